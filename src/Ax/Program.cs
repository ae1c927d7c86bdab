using System.Runtime.CompilerServices;
using System.Runtime.Versioning;

[assembly: DisableRuntimeMarshalling]
[assembly: SupportedOSPlatform("linux")]

return Ax.Cli.AxCommandLine.Invoke(args);
