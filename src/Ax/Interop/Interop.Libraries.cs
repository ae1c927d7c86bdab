internal static partial class Interop
{
    internal static class Libraries
    {
        internal const string Libc = "libc";

        /// <summary>The native entry (Launcher/Native/main.c), linked into the published binary.</summary>
        internal const string AxNative = "axnative";
    }
}
