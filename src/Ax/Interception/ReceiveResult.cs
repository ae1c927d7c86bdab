namespace Ax.Interception;

/// <summary>What one turn at an app's listener gave a serving thread (<see cref="AppSession"/>).</summary>
internal enum ReceiveResult
{
    /// <summary>A notification, to answer.</summary>
    Received,

    /// <summary>Nothing this time (another thread took it, or its caller vanished first): wait again.</summary>
    Again,

    /// <summary>The time limit ran out with nothing to receive.</summary>
    Idle,

    /// <summary>The app is gone (every task exited), or the listener failed: the session ends.</summary>
    Gone,
}
