using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class NativeEntry
    {
        /// <summary>
        /// Launcher/Native/main.c, linked into the ax binary (DirectPInvoke "axnative" in Ax.csproj): 1 when
        /// the caller had SIGPIPE ignored before the runtime started. Absent outside the published binary.
        /// </summary>
        [LibraryImport(Libraries.AxNative, EntryPoint = "ax_caller_ignored_sigpipe")]
        internal static partial int CallerIgnoredSigPipe();
    }
}
