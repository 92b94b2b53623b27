using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Cavra.Gate.Configuration;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Runtime
{
    /// <summary>
    /// A <c>cavra-runtime --serve</c> process this module owns (docs/design/runtime-protocol.md §3.1): its socket lives in a private
    /// directory (0700) made for it; it is ready once it answers the lifecycle probe; a daemon that exits or loses its socket
    /// is noticed and restarted when next needed (within a restart budget), and one whose runtime, policy or registry file
    /// changed is restarted so it never answers from stale inputs (the runtime loads them once). <see cref="Stop"/> asks it
    /// to stop (SIGTERM), kills the whole tree after a grace period, and removes the socket and directory. Every daemon is
    /// also stopped when the process exits, and (<see cref="OwnerWatch"/>) when it is killed outright. Thread-safe.
    /// </summary>
    public sealed class GoRuntimeDaemon : IDaemonEndpoint, IDisposable
    {
        public const string SocketFileName = "runtime.sock";
        private const int StderrExcerptBytes = 4096;
        private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(2);

        private readonly object _lock = new object();
        private readonly GoRuntimeDaemonOptions _options;
        private readonly Queue<DateTime> _failureRestarts = new Queue<DateTime>();
        private Process? _process;
        private OwnerWatch? _watch; // belongs to _process
        private Task<byte[]>? _stderr;
        private string _directory = "";
        private string _socketPath = "";
        private string _fingerprint = "";
        private volatile bool _running;
        private volatile bool _stale;
        private volatile bool _stopped;
        private string _lastFailure = "";
        private string _lastStderr = ""; // diagnostic only: never part of _lastFailure, which reaches records
        private int _starts;
        private int _timeoutsInARow;
        /// <summary>After this many timeouts in a row the daemon counts as hung and is restarted.</summary>
        public const int HungAfterTimeouts = 3;

        private GoRuntimeDaemon(GoRuntimeDaemonOptions options) { _options = options; }

        /// <summary>A daemon that starts on first use (<see cref="TryAcquire"/>), for a pipeline that may never need it.</summary>
        public static GoRuntimeDaemon Create(GoRuntimeDaemonOptions options) => new GoRuntimeDaemon(options);

        /// <summary>Starts a daemon and waits until it is ready; throws <see cref="GoRuntimeDaemonException"/> with the reason.</summary>
        public static GoRuntimeDaemon Start(GoRuntimeDaemonOptions options, CancellationToken cancellationToken = default)
        {
            var daemon = new GoRuntimeDaemon(options);
            string failure;
            bool started;
            lock (daemon._lock) started = daemon.StartLocked(options.ReadyTimeout, cancellationToken, out failure);
            if (!started)
            {
                daemon.Stop();
                // An operator's own start (Start-CavraGoRuntimeDaemon) may show the runtime's stderr: it is not a record.
                if (daemon._lastStderr.Length > 0 && failure.StartsWith("daemon exited", StringComparison.Ordinal)) failure += ": " + daemon._lastStderr;
                throw new GoRuntimeDaemonException(failure);
            }
            return daemon;
        }

        public string RuntimePath => _options.RuntimePath;
        public string PolicyPath => _options.PolicyPath;
        public string RegistryPath => _options.RegistryPath;
        /// <summary>The socket path; stays the same across restarts. "" before the first start.</summary>
        public string SocketPath => _socketPath;
        /// <summary>The private directory holding the socket.</summary>
        public string Directory => _directory;
        /// <summary>The current daemon process id, or 0.</summary>
        public int ProcessId { get { var p = _process; try { return p != null && _running ? p.Id : 0; } catch (InvalidOperationException) { return 0; } } }
        public bool Running => _running && !_stopped;
        public bool Stopped => _stopped;
        /// <summary>How many times the process was started (the first start included).</summary>
        public int Starts => _starts;
        public int Restarts => Math.Max(0, _starts - 1);
        public DateTimeOffset? StartedAt { get; private set; }
        /// <summary>Why the daemon last stopped working or could not start, or "".</summary>
        public string LastFailure => _lastFailure;
        /// <summary>Start, restart and stop narration (raised on the thread that did it).</summary>
        public event Action<string>? Narration;

        /// <summary>True when this daemon serves exactly these inputs.</summary>
        public bool Serves(GoRuntimeDaemonOptions other) =>
            string.Equals(RuntimePath, other.RuntimePath, StringComparison.Ordinal)
            && string.Equals(PolicyPath, other.PolicyPath, StringComparison.Ordinal)
            && string.Equals(RegistryPath, other.RegistryPath, StringComparison.Ordinal);

        public bool TryAcquire(TimeSpan budget, CancellationToken cancellationToken, out string socketPath, out string failure)
        {
            socketPath = _socketPath;
            failure = "";
            if (_running && !_stale && !_stopped) return true;
            if (_stopped) { failure = "daemon was stopped"; return false; }
            var clock = Stopwatch.StartNew();
            if (!Monitor.TryEnter(_lock, budget > TimeSpan.Zero ? budget : TimeSpan.Zero)) { failure = "daemon is restarting"; return false; }
            try
            {
                socketPath = _socketPath;
                if (_running && !_stale) return true;
                if (_stopped) { failure = "daemon was stopped"; return false; }
                bool first = _starts == 0;
                bool inputsChanged = _running && _stale;
                if (!first && !inputsChanged)
                {
                    string down = _lastFailure.Length > 0 ? _lastFailure : "daemon exited";
                    if (!_options.AutoRestart) { failure = $"daemon is not running ({down})"; return false; }
                    var now = DateTime.UtcNow;
                    while (_failureRestarts.Count > 0 && now - _failureRestarts.Peek() > _options.RestartWindow) _failureRestarts.Dequeue();
                    if (_failureRestarts.Count >= _options.MaxRestarts)
                    {
                        failure = $"daemon is not running ({down}); restart limit reached ({_options.MaxRestarts} within {PythonFloat.Repr(_options.RestartWindow.TotalSeconds)} seconds)";
                        return false;
                    }
                    _failureRestarts.Enqueue(now);
                }
                // Every start, the first included, must fit the request that needs it: a runtime that never opens its
                // socket costs each action at most its own timeout, never the (longer) ready timeout.
                var left = budget - clock.Elapsed;
                var ready = left > _options.ReadyTimeout ? _options.ReadyTimeout : left;
                if (ready <= TimeSpan.Zero) { failure = "daemon is restarting"; return false; }
                string why = first ? "" : inputsChanged ? "its runtime, policy or registry changed" : _lastFailure;
                _timeoutsInARow = 0;
                if (!StartLocked(ready, cancellationToken, out failure))
                {
                    failure = (first ? "daemon could not start: " : "daemon could not restart: ") + failure;
                    return false;
                }
                if (!first) Narrate($"Restarted the cavra-runtime daemon (process {ProcessId}) on {_socketPath}: {why}.");
                socketPath = _socketPath;
                return true;
            }
            finally
            {
                Monitor.Exit(_lock);
            }
        }

        public string OnFailure(DaemonFailure failure)
        {
            if (_stopped) return "daemon was stopped";
            var p = _process;
            if (p == null) return ""; // being restarted
            bool exited;
            try { exited = p.HasExited; } catch (InvalidOperationException) { exited = true; }
            if (exited)
            {
                MarkExited(p);
                return _lastFailure;
            }
            // Not (yet) seen to exit. Whatever the process is doing, a daemon nobody can reach or that stopped answering
            // is down: it is killed and restarted when next needed.
            switch (failure)
            {
                case DaemonFailure.Unreachable:
                    bool removed = _socketPath.Length > 0 && !File.Exists(_socketPath);
                    MarkDown(p, removed ? "daemon socket was removed" : "daemon refused connections");
                    return removed ? "daemon socket was removed" : "";
                case DaemonFailure.TimedOut:
                    if (Interlocked.Increment(ref _timeoutsInARow) < HungAfterTimeouts) return "";
                    MarkDown(p, $"daemon stopped answering: {HungAfterTimeouts} timeouts in a row");
                    return _lastFailure;
                default:
                    return "";
            }
        }

        public void OnAnswered()
        {
            if (_timeoutsInARow != 0) Interlocked.Exchange(ref _timeoutsInARow, 0);
        }

        private void MarkDown(Process process, string why)
        {
            if (!ReferenceEquals(process, _process)) return;
            _lastFailure = why;
            _running = false;
        }

        /// <summary>The pilot re-read its inputs: restart before the next request if the daemon's runtime, policy or registry changed.</summary>
        public void InputsRefreshed(InputFiles files)
        {
            if (!_running || _stopped) return;
            if (Fingerprint(files) != _fingerprint) _stale = true;
        }

        /// <summary>Stops the daemon and removes its socket and directory. Idempotent; never throws.</summary>
        public void Stop() => Stop(graceful: true);

        public void Dispose() => Stop();

        internal void Stop(bool graceful)
        {
            _stopped = true; // a start in progress notices this and gives up, so the lock below is not held for long
            lock (_lock)
            {
                var p = _process;
                var watch = _watch;
                _process = null;
                _watch = null;
                _running = false;
                watch?.Dispose();
                if (p != null) EndProcess(p, graceful);
                if (_socketPath.Length > 0) { try { File.Delete(_socketPath); } catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { } }
                if (_directory.Length > 0) PrivateDirectory.Delete(_directory);
                DaemonTracker.Remove(this);
                if (p != null) Narrate($"Stopped the cavra-runtime daemon on {_socketPath}.");
            }
        }

        public override string ToString() => _socketPath.Length > 0 ? $"cavra-runtime --serve --socket {_socketPath}" : "cavra-runtime daemon (not started)";

        // ---- internals ----------------------------------------------------------------------------------------------

        /// <summary>Starts (or restarts) the process and waits until it answers the readiness probe; the caller holds the lock.
        /// Every failure is also the daemon's <see cref="LastFailure"/>.</summary>
        private bool StartLocked(TimeSpan readyTimeout, CancellationToken cancellationToken, out string failure)
        {
            var clock = Stopwatch.StartNew();
            failure = "daemon was stopped";
            if (_stopped) return false; // the reason it stopped stays its last failure
            if (!CanStart(out failure)) return Failed(failure);
            EndCurrentProcess();
            if (!PrepareSocket(out failure)) return Failed(failure);

            var files = new InputFiles(_options.WorkingDirectory.Length > 0 ? _options.WorkingDirectory : null);
            _fingerprint = Fingerprint(files);
            _stale = false;
            string? marker = ProcessTree.NewCallMarker(); // what the daemon starts is found by it when the daemon ends
            if (!Launch(StartInfo(files, marker), marker, out var process, out failure)) return Failed(failure);
            if (WaitUntilReady(process, readyTimeout, clock, cancellationToken, out failure)) return true;
            _lastFailure = failure;
            _process = null;
            _watch?.Dispose();
            _watch = null;
            EndProcess(process, graceful: false);
            return false;
        }

        private bool Failed(string failure)
        {
            _lastFailure = failure;
            return false;
        }

        /// <summary>Step 1: something to start here (Unix sockets, a runtime file).</summary>
        private bool CanStart(out string failure)
        {
            failure = "";
            if (!UnixSocket.IsSupported) failure = UnixSocket.UnsupportedReason;
            else if (_options.RuntimePath.Length == 0) failure = "runtime path is not configured";
            else if (!File.Exists(_options.RuntimePath)) failure = "no such file or directory: " + _options.RuntimePath;
            return failure.Length == 0;
        }

        /// <summary>Step 2: the previous process (a restart) is gone before the next one starts.</summary>
        private void EndCurrentProcess()
        {
            var old = _process;
            var oldWatch = _watch;
            _process = null;
            _watch = null;
            _running = false;
            oldWatch?.Dispose(); // before the kill, so it never removes the directory this start reuses
            if (old != null) EndProcess(old, graceful: false);
        }

        /// <summary>Step 3: the private directory (made once, kept across restarts) and no leftover socket file in it.</summary>
        private bool PrepareSocket(out string failure)
        {
            failure = "";
            try
            {
                if (_directory.Length == 0 || !System.IO.Directory.Exists(_directory))
                {
                    _directory = PrivateDirectory.Create("cavra-rt-");
                    _socketPath = Path.Combine(_directory, SocketFileName);
                }
                if (Encoding.UTF8.GetByteCount(_socketPath) > UnixSocket.MaxPathBytes) { failure = "socket path is too long: " + _socketPath; return false; }
                if (File.Exists(_socketPath)) File.Delete(_socketPath);
                return true;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is NotSupportedException)
            {
                failure = "could not prepare the socket directory: " + ex.Message;
                return false;
            }
        }

        /// <summary>Step 4: <c>cavra-runtime --serve --socket PATH [--policy P] [--registry R]</c>, never a shell, stdin closed.</summary>
        private ProcessStartInfo StartInfo(InputFiles files, string? marker)
        {
            var arguments = new List<string> { "--serve", "--socket", _socketPath };
            if (_options.PolicyPath.Length > 0) { arguments.Add("--policy"); arguments.Add(_options.PolicyPath); }
            if (_options.RegistryPath.Length > 0) { arguments.Add("--registry"); arguments.Add(_options.RegistryPath); }
            var start = new ProcessStartInfo(_options.RuntimePath)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,   // never the terminal's: the daemon reads nothing
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
                WorkingDirectory = files.BaseDirectory,
            };
            ProcessArguments.Set(start, arguments);
            foreach (var kv in _options.Environment) start.Environment[kv.Key] = kv.Value;
            if (marker != null) start.Environment[ProcessTree.CallMarkerVariable] = marker;
            return start;
        }

        /// <summary>Step 5: starts the process, tracks and watches it, drains its output, and notices when it exits.</summary>
        private bool Launch(ProcessStartInfo start, string? marker, out Process process, out string failure)
        {
            failure = "";
            process = new Process { StartInfo = start, EnableRaisingEvents = true };
            Markers.Add(process, marker ?? "");
            try { process.Start(); }
            catch (Win32Exception ex) when (ex.NativeErrorCode == 13 || ex.NativeErrorCode == 5)
            {
                process.Dispose();
                failure = "permission denied: " + _options.RuntimePath;
                return false;
            }
            catch (Win32Exception ex)
            {
                process.Dispose();
                failure = $"could not start {_options.RuntimePath}: {ex.Message}";
                return false;
            }
            DaemonTracker.Add(this);
            _process = process;
            _watch = OwnerWatch.Start(process, _socketPath, _directory);
            _starts++;
            try { process.StandardInput.Close(); } catch (IOException) { }
            // Dedicated readers: a busy thread pool must not delay draining (or the exit reason read from stderr).
            var stderr = new TaskCompletionSource<byte[]>();
            var errorStream = process.StandardError.BaseStream;
            var outputStream = process.StandardOutput.BaseStream;
            new Thread(() => stderr.TrySetResult(Drain(errorStream, StderrExcerptBytes))) { IsBackground = true, Name = "cavra-daemon-stderr" }.Start();
            new Thread(() => Drain(outputStream, 0)) { IsBackground = true, Name = "cavra-daemon-stdout" }.Start();
            _stderr = stderr.Task;
            var started = process;
            process.Exited += (_, _) => MarkExited(started);
            return true;
        }

        /// <summary>Step 6: ready when it answers the lifecycle probe (docs/design/runtime-protocol.md §3.1); gone when it exits;
        /// given up when it takes longer than <paramref name="readyTimeout"/> or the start is stopped.</summary>
        private bool WaitUntilReady(Process process, TimeSpan readyTimeout, Stopwatch clock, CancellationToken cancellationToken, out string failure)
        {
            var probe = Encoding.UTF8.GetBytes(DaemonContract.ProbeRequest + "\n");
            while (true)
            {
                if (_stopped || cancellationToken.IsCancellationRequested)
                {
                    failure = "stopped before the daemon was ready";
                    return false;
                }
                if (process.HasExited)
                {
                    failure = ExitDescription(process);
                    return false;
                }
                var remaining = readyTimeout - clock.Elapsed;
                if (remaining <= TimeSpan.Zero)
                {
                    failure = $"daemon did not become ready within {PythonFloat.Repr(Math.Round(readyTimeout.TotalSeconds, 1))} seconds"; // what is left of a caller's budget: 0.998 reads as 1.0
                    return false;
                }
                if (File.Exists(_socketPath))
                {
                    var slice = remaining < TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1);
                    var exchange = SocketExchange.Begin(_socketPath, probe, slice, cancellationToken);
                    exchange.Finish();
                    if (exchange.Result == SocketExchange.Outcome.Answered && RuntimeReply.TryParse(exchange.Reply, exchange.Overflowed, out _, out _))
                    {
                        _timeoutsInARow = 0;
                        _running = true;
                        _lastFailure = "";
                        StartedAt = DateTimeOffset.UtcNow;
                        if (_starts == 1) Narrate($"Started the cavra-runtime daemon (process {process.Id}) on {_socketPath} in {clock.ElapsedMilliseconds} ms.");
                        failure = "";
                        return true;
                    }
                }
                Thread.Sleep(10);
            }
        }

        private void MarkExited(Process process)
        {
            if (!ReferenceEquals(process, _process)) return;
            // The status first, so whoever sees it down also sees why; the stderr excerpt may take a moment longer.
            if (!_stopped) _lastFailure = ExitDescription(process, withStderr: false);
            _running = false;
            // Its pid may be reused from now on: the watcher must no longer act on it.
            var watch = _watch;
            if (watch != null && ReferenceEquals(watch.Daemon, process)) watch.Dispose();
            if (_stopped) return;
            string full = ExitDescription(process, withStderr: true);
            if (ReferenceEquals(process, _process)) _lastFailure = full;
        }

        /// <summary>"daemon exited with status N".</summary>
        private string ExitDescription(Process process, bool withStderr = true)
        {
            string text;
            try { text = "daemon exited with status " + process.ExitCode; }
            catch (InvalidOperationException) { return "daemon exited"; }
            // Its stderr is diagnostic only (it may carry paths or secrets): narrated for -Verbose, never in the reason.
            var stderr = _stderr;
            if (withStderr && stderr != null && stderr.Wait(1000))
            {
                string excerpt = FirstLine(stderr.Result);
                _lastStderr = excerpt;
                if (excerpt.Length > 0) Narrate($"cavra-runtime daemon (process {SafeId(process)}) wrote to stderr: {excerpt}");
            }
            return text;
        }

        private static string SafeId(Process process)
        {
            try { return process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture); }
            catch (InvalidOperationException) { return "?"; }
        }

        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Process, string> Markers =
            new System.Runtime.CompilerServices.ConditionalWeakTable<Process, string>();

        private static void EndProcess(Process process, bool graceful)
        {
            int pid = 0;
            try { pid = process.Id; } catch (InvalidOperationException) { }
            try
            {
                if (graceful && !process.HasExited && Signals.TryTerminate(process)) process.WaitForExit((int)StopGrace.TotalMilliseconds);
            }
            catch (InvalidOperationException) { }
            ProcessTree.Kill(process);
            if (Markers.TryGetValue(process, out var marker) && marker.Length > 0) ProcessTree.KillMarked(marker, pid);
            try { process.Dispose(); } catch (InvalidOperationException) { }
        }

        private string Fingerprint(InputFiles files) =>
            files.Fingerprint(_options.RuntimePath) + "|" + files.Fingerprint(_options.PolicyPath) + "|" + files.Fingerprint(_options.RegistryPath);

        private void Narrate(string message)
        {
            try { Narration?.Invoke(message); } catch (Exception) { /* narration never breaks the daemon */ }
        }

        private static byte[] Drain(Stream stream, int keep)
        {
            var kept = new MemoryStream();
            var buffer = new byte[8192];
            try
            {
                int n;
                while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
                {
                    int room = keep - (int)kept.Length;
                    if (room > 0) kept.Write(buffer, 0, Math.Min(room, n));
                }
            }
            catch (IOException) { }
            catch (ObjectDisposedException) { }
            return kept.ToArray();
        }

        private static string FirstLine(byte[] bytes)
        {
            string text = Encoding.UTF8.GetString(bytes).Trim();
            int nl = text.IndexOfAny(new[] { '\r', '\n' });
            if (nl >= 0) text = text.Substring(0, nl);
            return text.Length > 200 ? text.Substring(0, 200) + "…" : text;
        }
    }
}
