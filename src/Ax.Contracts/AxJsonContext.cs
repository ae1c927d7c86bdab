using System.Text.Json.Serialization;

namespace Ax.Contracts;

/// <summary>Source-generated JSON for everything that crosses the REST API, the control socket and the saved state.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(AppInfo[]))]
[JsonSerializable(typeof(ServerInfo[]))]
[JsonSerializable(typeof(SocketInfo[]))]
[JsonSerializable(typeof(ProxyInfo[]))]
[JsonSerializable(typeof(VServiceInfo))]
[JsonSerializable(typeof(VServiceInfo[]))]
[JsonSerializable(typeof(ErrorInfo))]
[JsonSerializable(typeof(NodeInfo))]
[JsonSerializable(typeof(ClusterNodeInfo[]))]
[JsonSerializable(typeof(CallTimingInfo[]))]
[JsonSerializable(typeof(RunRequest))]
[JsonSerializable(typeof(RunReply))]
[JsonSerializable(typeof(SavedApp))]
[JsonSerializable(typeof(SavedServiceTable))]
public sealed partial class AxJsonContext : JsonSerializerContext;
