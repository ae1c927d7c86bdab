using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Ax.Cli;

namespace Ax.Launcher;

/// <summary>
/// <c>ax run --user NAME|UID</c> (seed 003, "User"): the user is looked up before anything starts, so a
/// typo is one sentence; the switch itself happens at the last moment, after the seccomp filter is
/// installed (as root, so the kernel does not force no_new_privs on the app) and just before execve.
/// </summary>
internal static unsafe class UserSwitch
{
    internal const int NoSuchUserExit = 2;

    /// <summary>Looks the user up by name, or by UID when the text is a number; throws a CliException if unknown.</summary>
    internal static UserAccount Resolve(string user)
    {
        if (user.Length == 0 || user.Contains('\0', StringComparison.Ordinal))
        {
            throw new CliException($"no such user '{user}'", NoSuchUserExit);
        }

        bool byUid = uint.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out uint uid);
        byte[] name = Encoding.UTF8.GetBytes(user + "\0");
        for (int size = 1024; size <= 1 << 20; size *= 4)
        {
            byte* buffer = (byte*)NativeMemory.Alloc((nuint)size);
            try
            {
                Interop.Libc.Passwd entry;
                Interop.Libc.Passwd* found = null;
                int error;
                fixed (byte* namePointer = name)
                {
                    error = byUid
                        ? Interop.Libc.GetPwUidR(uid, &entry, buffer, (nuint)size, &found)
                        : Interop.Libc.GetPwNamR(namePointer, &entry, buffer, (nuint)size, &found);
                }

                if (error == (int)Errno.ERANGE)
                {
                    continue;
                }

                if (found is null)
                {
                    // 0, ENOENT, ESRCH, EBADF and EPERM all mean "not found" (getpwnam_r(3)).
                    throw new CliException($"no such user '{user}'", NoSuchUserExit);
                }

                string account = Text(found->Name);
                return new UserAccount(account, found->Uid, found->Gid, Text(found->Dir), Text(found->Shell), Groups(found->Name, found->Gid));
            }
            finally
            {
                NativeMemory.Free(buffer);
            }
        }

        throw new CliException($"could not read the passwd entry of user '{user}'", NoSuchUserExit);
    }

    /// <summary>Becomes the user: groups first, then the group, then the user, as each needs the privilege the next drops.</summary>
    internal static void Apply(UserAccount user)
    {
        uint[] groups = [.. user.Groups];
        fixed (uint* groupPointer = groups)
        {
            if (Interop.Libc.SetGroups((nuint)groups.Length, groupPointer) != 0)
            {
                throw Failed(user, "setgroups", Interop.LastErrno());
            }
        }

        if (Interop.Libc.SetGid(user.Gid) != 0)
        {
            throw Failed(user, "setgid", Interop.LastErrno());
        }

        if (Interop.Libc.SetUid(user.Uid) != 0)
        {
            throw Failed(user, "setuid", Interop.LastErrno());
        }
    }

    private static CliException Failed(UserAccount user, string call, Errno error) => new(error == Errno.EPERM
        ? $"could not run the app as user '{user.Name}' ({call}: {error}); --user needs ax run to be started as root"
        : $"could not run the app as user '{user.Name}' ({call}: {error})");

    private static List<uint> Groups(byte* name, uint primaryGroup)
    {
        int count = 32;
        while (true)
        {
            uint[] groups = new uint[count];
            fixed (uint* groupPointer = groups)
            {
                int capacity = count;
                if (Interop.Libc.GetGroupList(name, primaryGroup, groupPointer, &count) >= 0)
                {
                    return [.. groups[..count]];
                }

                if (count <= capacity)
                {
                    count = capacity * 2; // glibc did not say how many it needs
                }
            }
        }
    }

    private static string Text(byte* value) => value is null ? "" : Marshal.PtrToStringUTF8((nint)value) ?? "";
}
