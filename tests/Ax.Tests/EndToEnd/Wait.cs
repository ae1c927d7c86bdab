namespace Ax.Tests.EndToEnd;

/// <summary>Polls for a condition a user would wait for; fails with a description when it never comes.</summary>
internal static class Wait
{
    internal static void Until(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail(describe());
            }

            Thread.Sleep(50);
        }
    }
}
