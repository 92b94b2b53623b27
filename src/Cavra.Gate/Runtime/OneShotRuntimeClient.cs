using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Reflection;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Cavra.Gate.Configuration;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.Pilot;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Runtime
{
    /// <summary>
    /// Invokes <c>cavra-runtime</c> in one-shot mode (decision-engine.md §2.3, §9): argv <c>--policy P [--registry R]</c>,
    /// the request as compact UTF-8 JSON without BOM on stdin, stdin closed, stdout parsed. Never a shell. Fails closed:
    /// every problem is a <see cref="GoRuntimeAnswer"/> failure whose reason follows "go runtime failed: ". Reasons:
    /// <list type="bullet">
    /// <item>runtime path is not configured</item>
    /// <item>no such file or directory: PATH</item>
    /// <item>permission denied: PATH (and other start errors: could not start PATH: MESSAGE)</item>
    /// <item>timeout_seconds must be a positive number</item>
    /// <item>timed out after N seconds (the whole process tree is killed)</item>
    /// <item>stopped before the runtime answered (the whole process tree is killed)</item>
    /// <item>exited with status N[: first stderr line]</item>
    /// <item>output exceeds 1 MiB · output is empty · output is not valid UTF-8 · output is not valid JSON: MESSAGE · output is not a JSON object</item>
    /// </list>
    /// </summary>
    public sealed class OneShotRuntimeClient : IGoRuntime
    {
        public const string Transport = "one-shot";
        public const int MaxOutputBytes = RuntimeReply.MaxBytes;
        private const int StderrExcerptBytes = 4096;

        private readonly InputFiles _files;

        public OneShotRuntimeClient(InputFiles files) { _files = files; }

        /// <summary>Extra environment for the child (tests use it to steer the stand-in without touching this process's environment).</summary>
        public IDictionary<string, string> ChildEnvironment { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

        public GoRuntimeAnswer Evaluate(ActionRequest request, GateConfig config, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            GoRuntimeAnswer Fail(string reason) => GoRuntimeAnswer.Failed(reason, clock.Elapsed, Transport);

            if (config.RuntimePath.Length == 0) return Fail("runtime path is not configured");
            if (!(config.TimeoutSeconds > 0) || double.IsInfinity(config.TimeoutSeconds)) return Fail("timeout_seconds must be a positive number");
            string path = _files.Resolve(config.RuntimePath);
            if (!File.Exists(path)) return Fail("no such file or directory: " + path);

            var arguments = new List<string> { "--policy", config.PolicyPath.Length > 0 ? _files.Resolve(config.PolicyPath) : "" };
            if (config.RegistryPath.Length > 0) { arguments.Add("--registry"); arguments.Add(_files.Resolve(config.RegistryPath)); }

            var start = new ProcessStartInfo(path)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
                WorkingDirectory = _files.BaseDirectory,
            };
            ProcessArguments.Set(start, arguments);
            foreach (var kv in ChildEnvironment) start.Environment[kv.Key] = kv.Value;

            using var process = new Process { StartInfo = start };
            try { process.Start(); }
            catch (Win32Exception ex) when (ex.NativeErrorCode == 13 || ex.NativeErrorCode == 5) { return Fail("permission denied: " + path); }
            catch (Win32Exception ex) { return Fail($"could not start {path}: {ex.Message}"); }

            try
            {
                var payload = Encoding.UTF8.GetBytes(request.ToRuntimeJson()); // Encoding.UTF8.GetBytes writes no BOM
                var stdin = Task.Run(() => WriteAndClose(process.StandardInput.BaseStream, payload));
                var stdout = Task.Run(() => ReadBounded(process.StandardOutput.BaseStream, MaxOutputBytes));
                var stderr = Task.Run(() => ReadBounded(process.StandardError.BaseStream, StderrExcerptBytes));

                var deadline = TimeSpan.FromSeconds(config.TimeoutSeconds);
                while (!process.WaitForExit(50))
                {
                    if (cancellationToken.IsCancellationRequested) { ProcessTree.Kill(process); return Fail("stopped before the runtime answered"); }
                    if (clock.Elapsed >= deadline) { ProcessTree.Kill(process); return Fail($"timed out after {PythonFloat.Repr(config.TimeoutSeconds)} seconds"); }
                    if (stdout.IsCompleted && stdout.Result.Overflowed) { ProcessTree.Kill(process); return Fail("output exceeds 1 MiB"); }
                }
                process.WaitForExit(); // lets the asynchronous pipe readers reach end of stream

                // A grandchild can keep the pipes open after the runtime exits; never wait on it past the deadline.
                var remaining = deadline - clock.Elapsed;
                if (!Task.WaitAll(new Task[] { stdout, stderr }, remaining > TimeSpan.FromMilliseconds(200) ? remaining : TimeSpan.FromMilliseconds(200)))
                    return Fail($"timed out after {PythonFloat.Repr(config.TimeoutSeconds)} seconds");
                stdin.Wait(100);

                if (process.ExitCode != 0)
                {
                    string excerpt = FirstLine(stderr.Result.Bytes);
                    return Fail($"exited with status {process.ExitCode}" + (excerpt.Length > 0 ? ": " + excerpt : ""));
                }
                var output = stdout.Result;
                if (!RuntimeReply.TryParse(output.Bytes, output.Overflowed, out var decision, out var problem)) return Fail("output " + problem);
                return GoRuntimeAnswer.Answered(decision!, clock.Elapsed, Transport);
            }
            finally
            {
                ProcessTree.Kill(process); // no-op after a normal exit; guarantees nothing outlives an evaluation
            }
        }

        private static void WriteAndClose(Stream stdin, byte[] payload)
        {
            try { stdin.Write(payload, 0, payload.Length); stdin.Flush(); }
            catch (IOException) { } // the runtime exited or ignores stdin: its answer (or exit code) decides
            catch (ObjectDisposedException) { }
            finally { try { stdin.Dispose(); } catch (IOException) { } }
        }

        private sealed class Capture
        {
            public Capture(byte[] bytes, bool overflowed) { Bytes = bytes; Overflowed = overflowed; }
            public byte[] Bytes { get; }
            public bool Overflowed { get; }
        }

        /// <summary>Reads to end of stream keeping at most <paramref name="limit"/> bytes; keeps draining so the child never blocks on a full pipe.</summary>
        private static Capture ReadBounded(Stream stream, int limit)
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
                    if (n > room) { overflowed = true; if (room > 0) kept.Write(buffer, 0, room); if (limit == MaxOutputBytes) break; }
                    else kept.Write(buffer, 0, n);
                }
            }
            catch (IOException) { }
            catch (ObjectDisposedException) { }
            return new Capture(kept.ToArray(), overflowed);
        }

        private static string FirstLine(byte[] bytes)
        {
            string text = Encoding.UTF8.GetString(bytes).Trim();
            int nl = text.IndexOfAny(new[] { '\r', '\n' });
            if (nl >= 0) text = text.Substring(0, nl);
            return text.Length > 200 ? text.Substring(0, 200) + "…" : text;
        }

        /// <summary>Quotes one argument by the Windows CommandLineToArgvW rules.</summary>
        internal static string QuoteWindows(string arg) => ProcessArguments.QuoteWindows(arg);
    }
}
