using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>SCHED_IDLE, <c>&lt;linux/sched.h&gt;</c>: runs only when nothing else wants the CPU.</summary>
        internal const int SCHED_IDLE = 5;

        /// <summary>struct sched_param, <c>&lt;sched.h&gt;</c>.</summary>
        internal struct SchedParam
        {
            internal int Priority;
        }

        /// <summary>With pid 0, sets the policy of the calling thread only (sched_setscheduler(2)).</summary>
        [LibraryImport(Libraries.Libc, EntryPoint = "sched_setscheduler", SetLastError = true)]
        internal static unsafe partial int SchedSetScheduler(int pid, int policy, SchedParam* param);
    }
}
