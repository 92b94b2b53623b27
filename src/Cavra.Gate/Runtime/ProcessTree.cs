using System;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Cavra.Gate.Runtime
{
    /// <summary>Ends a process with every process it started. netstandard2.0 has no Process.Kill(bool), but every
    /// .NET Core runtime does, so it is reached by reflection; .NET Framework on Windows falls back to taskkill /T.</summary>
    internal static class ProcessTree
    {
        private static readonly MethodInfo? KillEntireTree = typeof(Process).GetMethod("Kill", new[] { typeof(bool) });

        public static void Kill(Process process)
        {
            try
            {
                if (process.HasExited) return;
                if (KillEntireTree != null) KillEntireTree.Invoke(process, new object[] { true });
                else if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) TaskKill(process.Id);
                else process.Kill();
            }
            catch (TargetInvocationException) { TryKill(process); }
            catch (InvalidOperationException) { } // already gone
            catch (System.ComponentModel.Win32Exception) { TryKill(process); }
            try { process.WaitForExit(5000); } catch (InvalidOperationException) { }
        }

        private static void TryKill(Process process)
        {
            try { if (!process.HasExited) process.Kill(); } catch (Exception ex) when (ex is InvalidOperationException || ex is System.ComponentModel.Win32Exception) { }
        }

        private static void TaskKill(int pid)
        {
            using var taskkill = Process.Start(new ProcessStartInfo("taskkill", $"/T /F /PID {pid}") { UseShellExecute = false, CreateNoWindow = true });
            taskkill?.WaitForExit(5000);
        }
    }
}
