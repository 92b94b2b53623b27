using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace Cavra.Api;

/// <summary>
/// The host runs from the module folder and shares the module's Cavra.Gate.dll. The engine's TimeProvider facade
/// (Microsoft.Bcl.TimeProvider, forwarding to .NET's in-box type) lives in the module's <c>Core/</c> folder, not beside
/// it, so Windows PowerShell never probes a .NET 10 build; this resolves it from there, as the module's own handler does.
/// </summary>
internal static class EditionAssemblies
{
    // Core/ in the module; beside the host in a build output (tests, dotnet run), where the package's copy lands.
    private static readonly string[] Folders = { Path.Combine(AppContext.BaseDirectory, "Core"), AppContext.BaseDirectory };

    // Runs before any code of this assembly, so before the engine's first use of TimeProvider.
    [ModuleInitializer]
    internal static void Register() => AssemblyLoadContext.Default.Resolving += FromCoreFolder;

    private static Assembly? FromCoreFolder(AssemblyLoadContext context, AssemblyName wanted)
    {
        if (wanted.Name is null) return null;
        foreach (string folder in Folders)
        {
            string path = Path.Combine(folder, wanted.Name + ".dll");
            if (File.Exists(path)) return context.LoadFromAssemblyPath(path);
        }
        return null;
    }
}
