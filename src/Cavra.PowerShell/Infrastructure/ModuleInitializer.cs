using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading;

namespace Cavra.PowerShell.Infrastructure
{
    /// <summary>
    /// Where the engine's packages (System.Text.Json, TimeProvider, and what they need) come from, per edition.
    /// pwsh 7.6+ ships System.Text.Json in-box at the version the engine references, so there the host's copy is used.
    /// TimeProvider is in-box too, but under another assembly name: <c>Core/</c> holds Microsoft's forwarding facade
    /// (Microsoft.Bcl.TimeProvider for .NET 8+), so the type in use is the runtime's own. Windows PowerShell 5.1 has
    /// neither: <c>Desktop/</c> holds both and what they need. Nothing probes either folder; this handler loads from the
    /// current edition's folder when the runtime cannot bind an assembly. An assembly already in the process at the same
    /// version or newer (another module's copy) is used instead, so a session never holds two copies of one version.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer
    {
        /// <summary>The oldest supported pwsh 7 (7.6) runs on .NET 10, whose in-box System.Text.Json is 10.0.0.0.</summary>
        private const int OldestCoreRuntime = 10;
        private static int _registered;

        private static readonly string ModuleFolder = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? ".";

        /// <summary>The folder of assemblies only this edition loads: <c>Desktop/</c> on Windows PowerShell, <c>Core/</c> on pwsh.</summary>
        internal static readonly string EditionFolder = Path.Combine(ModuleFolder, IsDesktop ? "Desktop" : "Core");

        internal static bool IsDesktop => RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);

        public void OnImport()
        {
            if (!IsDesktop)
            {
                if (Environment.Version.Major < OldestCoreRuntime)
                    throw new PlatformNotSupportedException(
                        $"Cavra.PowerShell supports PowerShell 7.6 or later and Windows PowerShell 5.1; this PowerShell runs on .NET {Environment.Version}. Update PowerShell to 7.6 or later.");
            }
            if (Interlocked.Exchange(ref _registered, 1) == 0) AppDomain.CurrentDomain.AssemblyResolve += ResolveFromEditionFolder;
            LoadEngine();
        }

        /// <summary>
        /// Loads the engine (Cavra.Gate) now, as the manifest's RequiredAssemblies used to, so its types resolve in scripts
        /// right after Import-Module; but the initializer picks the copy. On pwsh on linux-x64 that is the ReadyToRun build
        /// in <c>Core/linux-x64/</c>, whose precompiled code saves JIT-compiling the engine on first use (about 20 ms of a
        /// first Test-CavraGoPromotion); everywhere else the portable one beside the module. A ReadyToRun image for another
        /// platform does not fall back to JIT: .NET refuses to load it (BadImageFormatException), so it is used only where
        /// it was compiled for. The cmdlets' types do not load Cavra.Gate when PowerShell lists them before this runs.
        /// </summary>
        private static void LoadEngine()
        {
            foreach (var loaded in AppDomain.CurrentDomain.GetAssemblies())
                if (loaded.FullName.StartsWith(EngineName + ",", StringComparison.Ordinal)) return; // loaded already (an in-process host)
            string? precompiled = PrecompiledFolder;
            string path = precompiled != null && File.Exists(Path.Combine(precompiled, EngineName + ".dll"))
                ? Path.Combine(precompiled, EngineName + ".dll")
                : Path.Combine(ModuleFolder, EngineName + ".dll");
            Assembly.LoadFrom(path);
        }

        private const string EngineName = "Cavra.Gate";

        /// <summary>Where this platform's ReadyToRun build of the engine would be, or null where none is built (Windows
        /// PowerShell, and pwsh on any platform but linux-x64).</summary>
        internal static string? PrecompiledFolder =>
            !IsDesktop && RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && RuntimeInformation.ProcessArchitecture == Architecture.X64
                ? Path.Combine(EditionFolder, "linux-x64")
                : null;

        private static Assembly? ResolveFromEditionFolder(object? sender, ResolveEventArgs args)
        {
            var wanted = new AssemblyName(args.Name);
            if (wanted.Name == null) return null;
            string path = Path.Combine(EditionFolder, wanted.Name + ".dll");
            if (!File.Exists(path)) return null; // not ours to supply
            foreach (var loaded in AppDomain.CurrentDomain.GetAssemblies())
            {
                var name = loaded.GetName();
                if (string.Equals(name.Name, wanted.Name, StringComparison.OrdinalIgnoreCase) && IsAtLeast(name.Version, wanted.Version)) return loaded;
            }
            // Windows PowerShell has no binding redirects for modules: a dependency asking for an older version of one of
            // these assemblies gets the shipped (newer) one, as a redirect would give it. A request from the module's own
            // assemblies (or from one of these) needs no check: the build copies exactly the closure they were compiled
            // against. Only a request from elsewhere reads the file's version: AssemblyName.GetAssemblyName costs about 8 ms
            // the first time on pwsh 7.6 (of some 55 ms for a first Test-CavraGoPromotion -Quiet, which resolves TimeProvider).
            if (!IsShippedWith(args.RequestingAssembly) && !IsAtLeast(AssemblyName.GetAssemblyName(path).Version, wanted.Version)) return null;
            return Assembly.LoadFrom(path);
        }

        /// <summary>Whether <paramref name="requesting"/> was loaded from the module folder or a folder in it.</summary>
        private static bool IsShippedWith(Assembly? requesting)
        {
            if (requesting == null || requesting.IsDynamic) return false;
            string location = requesting.Location; // "" for an assembly loaded from bytes; .NET Framework's GetDirectoryName throws on ""
            if (location.Length == 0) return false;
            string? folder = Path.GetDirectoryName(location);
            return folder != null && (string.Equals(folder, ModuleFolder, StringComparison.Ordinal)
                || folder.StartsWith(ModuleFolder + Path.DirectorySeparatorChar, StringComparison.Ordinal));
        }

        private static bool IsAtLeast(Version? have, Version? want) => want == null || (have != null && have >= want);
    }
}
