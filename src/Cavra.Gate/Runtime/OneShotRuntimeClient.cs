using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.IO.Pipes;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Cavra.Gate.Configuration;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.Pilot;
using Cavra.Gate.Serialization;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Runtime
{
    /// <summary>
    /// Invokes <c>cavra-runtime</c> in one-shot mode (docs/design/runtime-protocol.md §2) and fails closed.
    /// <list type="bullet">
    /// <item>argv is exactly <c>[runtime_path, "--policy", policy_path]</c> plus <c>["--registry", registry_path]</c> when a
    /// registry is configured (<c>--policy</c> is passed even when empty, as upstream does). Relative paths resolve against
    /// <see cref="InputFiles.BaseDirectory"/>, which is also the child's working directory. Never a shell: .NET Core gets an
    /// argument list (<c>ProcessStartInfo.ArgumentList</c>, by reflection); .NET Framework a command line quoted by the
    /// Windows <c>CommandLineToArgvW</c> rules.</item>
    /// <item>stdin receives the request as compact UTF-8 JSON without BOM (raw bytes on the pipe) and is then closed. A
    /// runtime that exits early or never reads stdin does not disturb the client (broken pipe is ignored).</item>
    /// <item>stdout and stderr are drained concurrently on dedicated threads. stdout is kept up to 1 MiB (more is a failure
    /// and kills the runtime), decoded as strict UTF-8 and parsed with <see cref="StrictJsonParser"/>; it must be one JSON
    /// object. stderr is kept only as a 4 KiB diagnostic excerpt (<see cref="RuntimeInvocationResult.StderrExcerpt"/>, the
    /// <see cref="Diagnostics"/> event): never in a reason, so never in a record, a journal or an HTTP body.</item>
    /// <item>Deadline: <c>timeout_seconds</c> from the configuration (default 5.0), measured from the call. Zero, negative
    /// and NaN are refused without starting anything (fail closed); values above ~24.8 days (including infinity) are
    /// capped there. On expiry, on cancellation and on oversized output the whole process tree is killed.</item>
    /// <item>No child outlives an evaluation: the runtime's tree is killed whenever it has not exited by itself, and if its
    /// pipes are still open after it exits, whatever holds them is a leftover it started. On Linux those leftovers are
    /// found through <c>/proc</c> and killed; on other platforms a tree kill cannot find an orphan, the wait ends at the
    /// deadline and the orphan is left alone (the Go runtime never forks in one-shot mode). On Linux every call also marks
    /// the runtime's environment (<c>CAVRA_RUNTIME_CALL</c>) and, when the call ends, kills any process still carrying the
    /// mark: a grandchild that left the session with <c>setsid</c> is found too, unless it clears its environment
    /// (docs/design/file-system-rules.md, "Runtime processes").</item>
    /// </list>
    /// Never throws. Every failure is a <see cref="RuntimeInvocationResult"/> whose reason completes
    /// <c>"go runtime failed: "</c> (docs/design/runtime-protocol.md §4). The reasons, exactly:
    /// <list type="bullet">
    /// <item><c>runtime path is not configured</c></item>
    /// <item><c>timeout_seconds must be a positive number</c> (also NaN) or <c>timeout_seconds must be between 0.001 and 3600</c> (also inf)</item>
    /// <item><c>no such file or directory: PATH</c> (PATH is the resolved full path)</item>
    /// <item><c>permission denied: PATH</c> (not executable, not readable, or a directory)</item>
    /// <item><c>could not start PATH: OS MESSAGE</c> (any other start error, e.g. <c>Exec format error</c>)</item>
    /// <item><c>timed out after N seconds</c> (N in Python float form: <c>5.0</c>, <c>0.25</c>)</item>
    /// <item><c>stopped before the runtime answered</c> (the cancellation token fired)</item>
    /// <item><c>exited with status N</c></item>
    /// <item><c>exited but left a process holding its pipes open</c> (Linux; the process was killed)</item>
    /// <item><c>output exceeds 1 MiB</c></item>
    /// <item><c>output is empty</c></item>
    /// <item><c>output is not valid UTF-8</c></item>
    /// <item><c>output is not valid JSON: PARSER MESSAGE</c> (Python <c>json</c> wording, e.g.
    /// <c>Expecting value: line 1 column 1 (char 0)</c>; a BOM gives <c>unexpected byte-order mark</c>)</item>
    /// <item><c>output is not a JSON object</c></item>
    /// <item><c>internal error: TYPE: MESSAGE</c> (a bug in this client; still fail-closed)</item>
    /// </list>
    /// </summary>
    public sealed class OneShotRuntimeClient : IGoRuntime
    {
        /// <summary>The transport name on every answer (<see cref="GoRuntimeAnswer.Transport"/>).</summary>
        public const string Transport = "one-shot";
        public const int MaxOutputBytes = RuntimeReply.MaxBytes;
        public const int StderrExcerptBytes = 4096;
        public const string StoppedReason = "stopped before the runtime answered";
        public const string LeftoverReason = "exited but left a process holding its pipes open";

        private const int PollMilliseconds = 50;
        private static readonly TimeSpan MaxDeadline = TimeSpan.FromMilliseconds(int.MaxValue);
        private static readonly TimeSpan ExitGrace = TimeSpan.FromMilliseconds(250);  // pipes reach EOF as the child exits
        private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(2);
        private static readonly UTF8Encoding Utf8NoBom = new UTF8Encoding(false);
        private static readonly PropertyInfo? StandardInputEncodingProperty = typeof(ProcessStartInfo).GetProperty("StandardInputEncoding");

        private readonly InputFiles _files;

        public OneShotRuntimeClient(InputFiles files) { _files = files ?? throw new ArgumentNullException(nameof(files)); }

        /// <summary>Extra environment for the child (tests use it to steer the stand-in without touching this process's environment).</summary>
        public IDictionary<string, string> ChildEnvironment { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>The runtime's stderr, one line per call that wrote any, for -Verbose/-Debug only (any thread may raise it).</summary>
        public event Action<string>? Diagnostics;

        private void OnDiagnostics(string message)
        {
            try { Diagnostics?.Invoke(message); } catch (Exception) { /* diagnostics never break an evaluation */ }
        }

        /// <summary>The pilot's entry point (<see cref="IGoRuntime"/>): <see cref="Invoke"/> reduced to decision or reason.</summary>
        public GoRuntimeAnswer Evaluate(ActionRequest request, GateConfig config, CancellationToken cancellationToken) =>
            Invoke(request, config, cancellationToken).ToAnswer();

        /// <summary>Runs the runtime once for <paramref name="request"/>. Never throws.</summary>
        public RuntimeInvocationResult Invoke(ActionRequest request, GateConfig config, CancellationToken cancellationToken = default)
        {
            var invocation = new Invocation(this, config, cancellationToken);
            try { return invocation.Run(request); }
            catch (Exception ex) { return invocation.Fail($"internal error: {ex.GetType().Name}: {ex.Message}"); }
            finally { invocation.Cleanup(); }
        }

        /// <summary>One call's state, so every exit path can report the same diagnostics and clean up the same way.</summary>
        private sealed class Invocation
        {
            private readonly OneShotRuntimeClient _client;
            private readonly GateConfig _config;
            private readonly CancellationToken _token;
            private readonly Stopwatch _clock = Stopwatch.StartNew();
            private TimeSpan _deadline;
            private List<string>? _argv;
            private Process? _process;
            private int? _pid;
            private int? _exitCode;
            private bool _timedOut, _cancelled;
            private string[] _pipes = new string[0];
            private Task? _stdin;
            private Task<Capture>? _stdout, _stderr;
            private readonly string? _marker = ProcessTree.NewCallMarker();

            public Invocation(OneShotRuntimeClient client, GateConfig config, CancellationToken token)
            { _client = client; _config = config; _token = token; }

            public RuntimeInvocationResult Run(ActionRequest request)
            {
                if (_config.RuntimePath.Length == 0) return Fail("runtime path is not configured");
                double seconds = _config.TimeoutSeconds;
                // The settings table's one validator, whatever the source: inf, NaN, 0, negative and above the cap fail closed.
                string? refused = GateSettings.TimeoutSeconds.Refusal(seconds);
                if (refused != null) return Fail("timeout_seconds " + refused);
                _deadline = seconds >= MaxDeadline.TotalSeconds ? MaxDeadline : TimeSpan.FromSeconds(seconds);
                if (_token.IsCancellationRequested) { _cancelled = true; return Fail(StoppedReason); }

                var files = _client._files;
                string path = files.Resolve(_config.RuntimePath);
                if (Directory.Exists(path)) return Fail("permission denied: " + path);
                if (!File.Exists(path)) return Fail("no such file or directory: " + path);

                var arguments = new List<string> { "--policy", _config.PolicyPath.Length > 0 ? files.Resolve(_config.PolicyPath) : "" };
                if (_config.RegistryPath.Length > 0) { arguments.Add("--registry"); arguments.Add(files.Resolve(_config.RegistryPath)); }

                var start = new ProcessStartInfo(path)
                {
                    UseShellExecute = false,
                    RedirectStandardInput = true,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    CreateNoWindow = true,
                    WorkingDirectory = files.BaseDirectory,
                };
                ProcessArguments.Set(start, arguments);
                // Bytes go straight to the pipe, but a writer is still created over it: make sure it can never emit a BOM.
                StandardInputEncodingProperty?.SetValue(start, Utf8NoBom);
                foreach (var kv in _client.ChildEnvironment) start.Environment[kv.Key] = kv.Value;
                // Every process the runtime starts inherits this marker, so Cleanup finds even a setsid'd grandchild.
                if (_marker != null) start.Environment[ProcessTree.CallMarkerVariable] = _marker;

                _process = new Process { StartInfo = start };
                try { _process.Start(); }
                catch (Win32Exception ex) { _process.Dispose(); _process = null; return Fail(StartFailure(path, ex.NativeErrorCode)); }
                _pid = _process.Id;
                _argv = new List<string>(arguments.Count + 1) { path };
                _argv.AddRange(arguments);

                Stream stdinStream = _process.StandardInput.BaseStream;
                Stream stdoutStream = _process.StandardOutput.BaseStream;
                Stream stderrStream = _process.StandardError.BaseStream;
                _pipes = PipeIdentities(_pid.Value, stdinStream, stdoutStream, stderrStream);

                var payload = Utf8NoBom.GetBytes(request.ToRuntimeJson());
                _stdin = Task.Factory.StartNew(() => WriteAndClose(stdinStream, payload), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                _stdout = Task.Factory.StartNew(() => ReadBounded(stdoutStream, MaxOutputBytes, stopAtLimit: true), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                _stderr = Task.Factory.StartNew(() => ReadBounded(stderrStream, StderrExcerptBytes, stopAtLimit: false), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

                while (!_process.WaitForExit(PollMilliseconds))
                {
                    if (_token.IsCancellationRequested) return KillAndFail(StoppedReason, cancelled: true);
                    if (_clock.Elapsed >= _deadline) return KillAndFail(TimedOutReason(), timedOut: true);
                    if (_stdout.IsCompleted && _stdout.Result.Overflowed) return KillAndFail("output exceeds 1 MiB");
                }
                _exitCode = _process.ExitCode;

                // The pipes reach end of stream as the runtime exits. If they stay open, a process it started holds them.
                if (!PipesDone(ExitGrace))
                {
                    if (ProcessTree.KillPipeHolders(_pipes) > 0) { PipesDone(KillGrace); return Fail(LeftoverReason); }
                    while (!PipesDone(TimeSpan.FromMilliseconds(PollMilliseconds))) // not found: slow readers, or not Linux
                    {
                        if (_token.IsCancellationRequested) { _cancelled = true; return Fail(StoppedReason); }
                        if (_clock.Elapsed >= _deadline) { _timedOut = true; return Fail(TimedOutReason()); }
                    }
                }

                // The runtime's stderr is diagnostic (it may carry paths or secrets): it goes to Diagnostics, never into
                // the reason, which reaches records, journals and HTTP bodies.
                if (_exitCode != 0) return Fail($"exited with status {_exitCode}");
                var output = _stdout.Result;
                // The same checks as a daemon reply (RuntimeReply), phrased for stdout.
                if (!RuntimeReply.TryParse(output.Bytes, output.Overflowed, out var decision, out var problem)) return Fail("output " + problem);
                return Result(decision, "");
            }

            public RuntimeInvocationResult Fail(string reason) => Result(null, reason);

            /// <summary>Runs on every exit path: nothing the runtime started may outlive the call.</summary>
            public void Cleanup()
            {
                if (_process == null) return;
                try
                {
                    ProcessTree.Kill(_process); // no-op after a normal exit
                    if (!PipesDone(ExitGrace)) { ProcessTree.KillPipeHolders(_pipes); PipesDone(KillGrace); }
                }
                catch (Exception ex) when (ex is InvalidOperationException || ex is Win32Exception) { }
                finally
                {
                    if (_pid != null) ProcessTree.KillMarked(_marker, _pid.Value); // descendants that escaped the tree kill
                    _process.Dispose();
                }
            }

            private RuntimeInvocationResult KillAndFail(string reason, bool timedOut = false, bool cancelled = false)
            {
                _timedOut = timedOut;
                _cancelled = cancelled;
                ProcessTree.Kill(_process!);
                if (!PipesDone(ExitGrace)) { ProcessTree.KillPipeHolders(_pipes); PipesDone(KillGrace); }
                return Fail(reason);
            }

            private RuntimeInvocationResult Result(JsonObject? decision, string reason)
            {
                string stderr = StderrExcerpt();
                if (stderr.Length > 0) _client.OnDiagnostics($"cavra-runtime (process {_pid}) wrote to stderr: {FirstLine(stderr)}");
                return new RuntimeInvocationResult(decision, reason, _clock.Elapsed, _argv, _pid, _exitCode, _timedOut, _cancelled, stderr);
            }

            private string TimedOutReason() => $"timed out after {PythonFloat.Repr(_config.TimeoutSeconds)} seconds";

            private bool PipesDone(TimeSpan wait)
            {
                var tasks = new List<Task>(3);
                if (_stdin != null) tasks.Add(_stdin);
                if (_stdout != null) tasks.Add(_stdout);
                if (_stderr != null) tasks.Add(_stderr);
                return Task.WaitAll(tasks.ToArray(), wait);
            }

            private string StderrExcerpt()
            {
                if (_stderr == null || !_stderr.IsCompleted) return "";
                return Sanitize(Encoding.UTF8.GetString(_stderr.Result.Bytes)).Trim();
            }
        }

        private static string StartFailure(string path, int code)
        {
            bool windows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
            if (code == 2 || (windows && code == 3)) return "no such file or directory: " + path; // ENOENT, ERROR_FILE/PATH_NOT_FOUND
            if (code == 13 || (windows && code == 5)) return "permission denied: " + path;       // EACCES, ERROR_ACCESS_DENIED
            return $"could not start {path}: {new Win32Exception(code).Message}";                 // the OS text, without .NET's wrapper
        }

        /// <summary>The kernel identities of the three pipes (Linux): our ends share the inode with the child's ends.</summary>
        private static string[] PipeIdentities(int pid, params Stream[] streams)
        {
            var found = new List<string>(3);
            foreach (var s in streams)
            {
                try
                {
                    if (s is PipeStream pipe && ProcessTree.PipeIdentity(pipe.SafePipeHandle.DangerousGetHandle().ToInt64()) is string id) found.Add(id);
                }
                catch (Exception ex) when (ex is ObjectDisposedException || ex is InvalidOperationException || ex is IOException) { }
            }
            if (found.Count == 0) found.AddRange(ProcessTree.PipeIdentities(pid));
            return found.ToArray();
        }

        private static void WriteAndClose(Stream stdin, byte[] payload)
        {
            try { stdin.Write(payload, 0, payload.Length); stdin.Flush(); }
            catch (IOException) { } // the runtime exited or ignores stdin: its answer (or exit code) decides
            catch (ObjectDisposedException) { }
            finally { try { stdin.Dispose(); } catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException) { } }
        }

        private sealed class Capture
        {
            public Capture(byte[] bytes, bool overflowed) { Bytes = bytes; Overflowed = overflowed; }
            public byte[] Bytes { get; }
            public bool Overflowed { get; }
        }

        /// <summary>Reads to end of stream keeping at most <paramref name="limit"/> bytes. With <paramref name="stopAtLimit"/>
        /// it stops reading at the limit (the caller kills the writer); otherwise it keeps draining so the child never blocks.</summary>
        private static Capture ReadBounded(Stream stream, int limit, bool stopAtLimit)
        {
            var kept = new MemoryStream();
            var buffer = new byte[65536];
            bool overflowed = false;
            try
            {
                int n;
                while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
                {
                    int room = limit - (int)kept.Length;
                    if (n <= room) { kept.Write(buffer, 0, n); continue; }
                    overflowed = true;
                    if (room > 0) kept.Write(buffer, 0, room);
                    if (stopAtLimit) break;
                }
            }
            catch (IOException) { }
            catch (ObjectDisposedException) { }
            return new Capture(kept.ToArray(), overflowed);
        }

        private static string FirstLine(string text)
        {
            int nl = text.IndexOfAny(new[] { '\r', '\n' });
            if (nl >= 0) text = text.Substring(0, nl);
            text = text.Trim();
            return text.Length > 200 ? text.Substring(0, 200) + "…" : text;
        }

        /// <summary>Control characters other than tab and line breaks (terminal escapes, NUL) become U+FFFD.</summary>
        private static string Sanitize(string text)
        {
            StringBuilder? sb = null;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                bool bad = (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F;
                if (bad && sb == null) sb = new StringBuilder(text, 0, i, text.Length);
                sb?.Append(bad ? '\uFFFD' : c);
            }
            return sb?.ToString() ?? text;
        }
    }
}
