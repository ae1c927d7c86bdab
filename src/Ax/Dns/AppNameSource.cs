using Ax.Apps;

namespace Ax.Dns;

/// <summary>Names given with <c>ax run --name</c>: the name resolves to the app's IP (its --ip, or the one ax made up).</summary>
internal sealed class AppNameSource(AppRegistry apps) : INameSource
{
    public bool TryResolve(string name, out uint address) => apps.TryFindByName(name, out address);
}
