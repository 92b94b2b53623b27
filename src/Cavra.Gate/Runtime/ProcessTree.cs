using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Cavra.Gate.Runtime
{
    /// <summary>
    /// Ends a process with every process it started. netstandard2.0 has no <c>Process.Kill(bool)</c>, but every .NET Core
    /// runtime does (it stops the parent, then kills the tree top-down), so it is reached by reflection; .NET Framework on
    /// Windows falls back to <c>taskkill /T /F</c>.
    /// <para>
    /// A tree kill finds descendants by parent id, so a process whose parent already exited (it was re-parented) is out of
    /// its reach. On Linux such leftovers are still found when they hold the runtime's stdout/stderr pipes: see
    /// <see cref="PipeIdentities"/> and <see cref="KillPipeHolders"/>.
    /// </para>
    /// </summary>
    internal static class ProcessTree
    {
        private static readonly MethodInfo? KillEntireTree = typeof(Process).GetMethod("Kill", new[] { typeof(bool) });
        private static readonly PropertyInfo? LinkTarget = typeof(FileSystemInfo).GetProperty("LinkTarget"); // .NET 6+
        private static readonly int OwnId = GetOwnId();

        /// <summary>Kills the process and its descendants unless it has exited. Never throws. With <paramref name="wait"/> it
        /// then waits (bounded) for the process to be reaped; only a parent gets that quickly, so waiting on a re-parented
        /// process would last until its new parent reaps it.</summary>
        public static void Kill(Process process, bool wait = true)
        {
            try
            {
                if (process.HasExited) return;
                if (KillEntireTree != null) KillEntireTree.Invoke(process, new object[] { true });
                else if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) { TaskKill(process.Id); TryKill(process); }
                else process.Kill();
            }
            catch (TargetInvocationException) { TryKill(process); }
            catch (InvalidOperationException) { } // never started or already gone
            catch (Win32Exception) { TryKill(process); }
            if (!wait) return;
            try { process.WaitForExit(5000); } catch (Exception ex) when (ex is InvalidOperationException || ex is Win32Exception) { }
        }

        /// <summary>
        /// Linux only: the kernel identities (<c>pipe:[inode]</c>) of the child's stdout and stderr, read from
        /// <c>/proc/PID/fd</c> right after start. Empty elsewhere or when they cannot be read.
        /// </summary>
        public static string[] PipeIdentities(int pid)
        {
            if (LinkTarget == null || !RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return new string[0];
            var found = new List<string>(2);
            foreach (var fd in new[] { "1", "2" })
            {
                var target = ReadLink($"/proc/{pid}/fd/{fd}");
                if (target != null && target.StartsWith("pipe:", StringComparison.Ordinal)) found.Add(target);
            }
            return found.ToArray();
        }

        /// <summary>Linux only: the identity (<c>pipe:[inode]</c>) of this process's file descriptor <paramref name="fd"/>; null otherwise.</summary>
        public static string? PipeIdentity(long fd)
        {
            if (LinkTarget == null || fd < 0 || !RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return null;
            var target = ReadLink($"/proc/{OwnId}/fd/{fd}");
            return target != null && target.StartsWith("pipe:", StringComparison.Ordinal) ? target : null;
        }

        /// <summary>
        /// Kills (tree) every process that still holds one of <paramref name="pipes"/> open, except this process and its
        /// direct children (a sibling forked by this process holds the pipe for an instant before its exec closes it).
        /// Returns how many were found. Linux only; best effort; never throws.
        /// </summary>
        public static int KillPipeHolders(ICollection<string> pipes)
        {
            if (pipes.Count == 0 || LinkTarget == null) return 0;
            int killed = 0;
            IEnumerable<string> entries;
            try { entries = Directory.EnumerateDirectories("/proc"); }
            catch (Exception ex) when (IsIoProblem(ex)) { return 0; }
            foreach (var dir in entries)
            {
                if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid == OwnId) continue;
                if (!HoldsAny(dir, pipes) || ParentOf(pid) == OwnId) continue;
                try
                {
                    using var holder = Process.GetProcessById(pid);
                    Kill(holder, wait: false); // its pipes close as it dies; the caller waits for those
                    killed++;
                }
                catch (Exception ex) when (ex is ArgumentException || ex is InvalidOperationException || ex is Win32Exception) { }
            }
            return killed;
        }

        /// <summary>The environment variable that marks every process one runtime call started (its value: <see cref="NewCallMarker"/>).</summary>
        public const string CallMarkerVariable = "CAVRA_RUNTIME_CALL";

        /// <summary>A fresh marker for one runtime process, or null where <see cref="KillMarked"/> cannot look (not Linux).</summary>
        public static string? NewCallMarker() =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? Guid.NewGuid().ToString("N") : null;

        /// <summary>
        /// Linux: kills (tree) every process that still carries <c>CAVRA_RUNTIME_CALL=marker</c> in its environment. A
        /// descendant inherits the marker, so this finds what a tree kill cannot: a grandchild re-parented to init, even one
        /// that left the runtime's session and process group with <c>setsid</c>. Only processes created after the runtime
        /// (by pid, wrap-around included) are read, so the scan stays cheap. Escapes it: a descendant that
        /// clears or rewrites its environment (<c>env -i</c>) or runs as another user. Best effort; never throws.
        /// </summary>
        public static int KillMarked(string? marker, int runtimePid)
        {
            if (marker == null || runtimePid <= 0 || !RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return 0;
            byte[] needle = System.Text.Encoding.ASCII.GetBytes(CallMarkerVariable + "=" + marker + "\0");
            var found = new List<int>();
            IEnumerable<string> entries;
            try { entries = Directory.EnumerateDirectories("/proc"); }
            catch (Exception ex) when (IsIoProblem(ex)) { return 0; }
            // Only processes created after the runtime can carry its mark: pids above the runtime's, up to the last pid the
            // kernel handed out (/proc/loadavg), or, when pids wrapped around since, above it or up to that last pid.
            int last = LastPid();
            bool wrapped = last >= 0 && last < runtimePid;
            foreach (var dir in entries)
            {
                if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid == OwnId || pid == runtimePid) continue;
                bool newer = last < 0 ? true : wrapped ? pid > runtimePid || pid <= last : pid > runtimePid && pid <= last;
                if (!newer) continue;
                byte[] environ;
                try { environ = File.ReadAllBytes($"/proc/{pid}/environ"); }
                catch (Exception ex) when (IsIoProblem(ex)) { continue; }
                if (IndexOf(environ, needle) >= 0) found.Add(pid);
            }
            foreach (var pid in found)
            {
                try
                {
                    using var leftover = Process.GetProcessById(pid);
                    Kill(leftover, wait: false);
                }
                catch (Exception ex) when (ex is ArgumentException || ex is InvalidOperationException || ex is Win32Exception) { }
            }
            return found.Count;
        }

        /// <summary>The last pid the kernel handed out in this pid namespace (the last field of /proc/loadavg), or -1.</summary>
        private static int LastPid()
        {
            try
            {
                var fields = File.ReadAllText("/proc/loadavg").Trim().Split(' ');
                return int.TryParse(fields[fields.Length - 1], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : -1;
            }
            catch (Exception ex) when (IsIoProblem(ex)) { return -1; }
        }

        private static int IndexOf(byte[] haystack, byte[] needle)
        {
            // The environment starts with a variable or follows a NUL: match at 0 or right after a NUL.
            for (int i = 0; i + needle.Length <= haystack.Length; i++)
            {
                if (i > 0 && haystack[i - 1] != 0) continue;
                int j = 0;
                while (j < needle.Length && haystack[i + j] == needle[j]) j++;
                if (j == needle.Length) return i;
            }
            return -1;
        }

        private static bool HoldsAny(string procDir, ICollection<string> pipes)
        {
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(procDir, "fd")))
                {
                    var target = ReadLink(fd);
                    if (target != null && pipes.Contains(target)) return true;
                }
            }
            catch (Exception ex) when (IsIoProblem(ex)) { }
            return false;
        }

        private static int ParentOf(int pid)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' '); // "S PPID ..." after the command name
                return int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            catch (Exception ex) when (IsIoProblem(ex) || ex is FormatException || ex is IndexOutOfRangeException || ex is ArgumentOutOfRangeException) { return -1; }
        }

        private static string? ReadLink(string path)
        {
            try { return LinkTarget?.GetValue(new FileInfo(path)) as string; }
            catch (TargetInvocationException) { return null; }
            catch (Exception ex) when (IsIoProblem(ex)) { return null; }
        }

        private static bool IsIoProblem(Exception ex) =>
            ex is IOException || ex is UnauthorizedAccessException || ex is System.Security.SecurityException || ex is ArgumentException || ex is NotSupportedException;

        private static int GetOwnId()
        {
            using var self = Process.GetCurrentProcess();
            return self.Id;
        }

        private static void TryKill(Process process)
        {
            try { if (!process.HasExited) process.Kill(); } catch (Exception ex) when (ex is InvalidOperationException || ex is Win32Exception) { }
        }

        private static void TaskKill(int pid)
        {
            try
            {
                using var taskkill = Process.Start(new ProcessStartInfo("taskkill", $"/T /F /PID {pid}") { UseShellExecute = false, CreateNoWindow = true });
                taskkill?.WaitForExit(5000);
            }
            catch (Win32Exception) { }
        }
    }
}
