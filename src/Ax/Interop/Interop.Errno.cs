/// <summary>Linux errno values (asm-generic/errno-base.h, asm-generic/errno.h) that ax reads or answers with.</summary>
internal enum Errno
{
    None = 0,
    EPERM = 1,
    ENOENT = 2,
    ESRCH = 3,
    EINTR = 4,
    EIO = 5,
    EBADF = 9,
    EAGAIN = 11,
    ENOMEM = 12,
    EACCES = 13,
    EFAULT = 14,
    EBUSY = 16,
    EEXIST = 17,
    ENODEV = 19,
    EINVAL = 22,
    EMFILE = 24,
    ENOSPC = 28,
    ERANGE = 34,
    ENOSYS = 38,
    EPROTO = 71,
    ENOTSOCK = 88,
    EMSGSIZE = 90,
    EPROTOTYPE = 91,
    EOPNOTSUPP = 95,
    EAFNOSUPPORT = 97,
    EADDRINUSE = 98,
    EADDRNOTAVAIL = 99,
    ENETDOWN = 100,
    ENETUNREACH = 101,
    ECONNRESET = 104,
    EISCONN = 106,
    ENOTCONN = 107,
    ETIMEDOUT = 110,
    ECONNREFUSED = 111,
    EHOSTUNREACH = 113,
    EALREADY = 114,
    EINPROGRESS = 115,
}

internal static partial class Interop
{
    /// <summary>Reads errno once, right after a failed call (SetLastError = true on the binding).</summary>
    internal static Errno LastErrno() => (Errno)System.Runtime.InteropServices.Marshal.GetLastPInvokeError();

    /// <summary>
    /// Makes a call again for as long as a signal interrupts it (EINTR): the one place ax retries EINTR.
    /// <paramref name="call"/> is a static lambda over <paramref name="state"/> (the call's arguments,
    /// pointers as addresses), so nothing is allocated. Returns what the last call returned; when that is
    /// negative, <see cref="LastErrno"/> holds its errno.
    /// </summary>
    internal static long RetryOnEintr<TState>(TState state, Func<TState, long> call)
    {
        long result;
        while ((result = call(state)) < 0 && LastErrno() == Errno.EINTR)
        {
        }

        return result;
    }
}
