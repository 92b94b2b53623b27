using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;

namespace Cavra.Gate.Runtime
{
    /// <summary>
    /// Ends a daemon whose owner died without a chance to stop it (SIGKILL, OOM killer, a runbook host torn down). The real
    /// runtime serves until SIGINT/SIGTERM and watches nothing (docs/design/runtime-protocol.md §3.6), and a killed process runs no exit
    /// handler, so a small <c>/bin/sh</c> watcher is started beside each daemon holding the read end of a pipe only the owner
    /// writes to. The kernel closes that pipe when the owner dies however it dies; the watcher then sends SIGTERM to the
    /// daemon (SIGKILL after two seconds) and removes its socket and private directory. An owner that stops its daemon
    /// itself first tells the watcher "stop", so the watcher never touches a directory a restarted daemon reuses.
    /// Unix only: Windows would need a job object, and the daemon transport is Unix-socket based anyway.
    /// </summary>
    internal sealed class OwnerWatch : IDisposable
    {
        private const string Shell = "/bin/sh";

        // $1 daemon pid, $2 socket path, $3 private directory. Reads the owner pipe until "stop" or end of file.
        private const string Script =
            "exec >/dev/null 2>&1\n" +
            "pid=$1; sock=$2; dir=$3\n" +
            "while IFS= read -r line; do [ \"$line\" = stop ] && exit 0; done\n" +
            "kill -TERM \"$pid\"\n" +
            "i=0\n" +
            "while kill -0 \"$pid\"; do\n" +
            "  i=$((i+1))\n" +
            "  if [ \"$i\" -gt 20 ]; then kill -KILL \"$pid\"; break; fi\n" +
            "  sleep 0.1 || sleep 1\n" +
            "done\n" +
            "rm -f -- \"$sock\"\n" +
            "rmdir -- \"$dir\"\n" +
            "exit 0\n";

        /// <summary>The watcher's name in its command line (<c>$0</c>), so leftover checks can find one.</summary>
        public const string ProcessName = "cavra-runtime-owner-watch";

        private readonly Process _process;
        private readonly StreamWriter _owner;
        private readonly object _gate = new object();
        private bool _ended;

        private OwnerWatch(Process process, Process daemon)
        {
            _process = process;
            _owner = process.StandardInput;
            Daemon = daemon;
        }

        /// <summary>The daemon process this watcher guards.</summary>
        public Process Daemon { get; }

        public static bool IsAvailable => !RuntimeInformation.IsOSPlatform(OSPlatform.Windows) && File.Exists(Shell);

        /// <summary>The watcher's process id.</summary>
        public int ProcessId { get { try { return _process.Id; } catch (InvalidOperationException) { return 0; } } }

        /// <summary>Starts a watcher for <paramref name="daemon"/>, or returns null where none can run.</summary>
        public static OwnerWatch? Start(Process daemon, string socketPath, string directory)
        {
            if (!IsAvailable) return null;
            var start = new ProcessStartInfo(Shell)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                // Never the owner's own stdout/stderr: a watcher outliving its owner must not hold a caller's pipe open.
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
                WorkingDirectory = "/",
            };
            ProcessArguments.Set(start, new List<string> { "-c", Script, ProcessName, daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), socketPath, directory });
            var process = new Process { StartInfo = start };
            try { process.Start(); }
            catch (Win32Exception) { process.Dispose(); return null; }
            try { process.StandardOutput.Dispose(); process.StandardError.Dispose(); } catch (IOException) { }
            return new OwnerWatch(process, daemon);
        }

        /// <summary>Closes the owner pipe without "stop": what the kernel does when the owner dies (tests use it).</summary>
        internal void Abandon()
        {
            lock (_gate)
            {
                if (_ended) return;
                _ended = true;
                try { _owner.Dispose(); } catch (IOException) { }
            }
        }

        /// <summary>The owner takes over: the watcher exits without touching the daemon. Idempotent; never throws.</summary>
        public void Dispose()
        {
            lock (_gate)
            {
                if (_ended) return;
                _ended = true;
                try
                {
                    _owner.Write("stop\n");
                    _owner.Flush();
                }
                catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException) { }
                try { _owner.Dispose(); } catch (IOException) { }
                try
                {
                    // It exits at once; a watcher that does not is killed rather than left to act on a pid it no longer owns.
                    if (!_process.WaitForExit(2000)) ProcessTree.Kill(_process);
                }
                catch (Exception ex) when (ex is InvalidOperationException || ex is Win32Exception) { }
                try { _process.Dispose(); } catch (InvalidOperationException) { }
            }
        }
    }
}
