using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;

namespace Cavra.Benchmarks
{
    /// <summary>
    /// The runtime's own floor, for tools/Measure-ShadowPipeline.ps1: the least a client can spend to get the same answers.
    /// <list type="bullet">
    /// <item><c>--daemon-floor SOCKET --count N --in-flight K</c>: N <c>execute_command</c> requests, the same bytes the
    /// pilot's daemon transport sends (docs/design/runtime-protocol.md §3.3: connect, one JSON object and a newline, read
    /// to EOF), from K threads with blocking sockets, so K requests are in flight. Nothing is parsed.</item>
    /// <item><c>--oneshot-floor RUNTIME --policy POLICY [--registry REGISTRY] --count N</c>: a bare loop that starts the runtime N times with the
    /// one-shot arguments (docs/design/runtime-protocol.md §2), writes the request to stdin, reads stdout to EOF and waits.</item>
    /// </list>
    /// Each warms up first, then prints one line: the elapsed milliseconds of the timed part, and the answers received
    /// (the daemon floor also the client process's CPU milliseconds in that part).
    /// Exit code 1 when any request got no answer (the floor would not be the same work).
    /// </summary>
    public static class RuntimeFloor
    {
        /// <summary>The request for action <paramref name="i"/>: what Measure-ShadowPipeline.ps1 pipes, as the pilot maps it.</summary>
        public static byte[] Request(int i) =>
            Encoding.UTF8.GetBytes("{\"action_type\":\"execute_command\",\"target\":\"custom scan --check " + i.ToString(CultureInfo.InvariantCulture) + "\"}\n");

        public static int Daemon(string socketPath, int count, int inFlight)
        {
            var endPoint = new UnixDomainSocketEndPoint(socketPath);
            var requests = new byte[count][];
            for (int i = 0; i < count; i++) requests[i] = Request(i + 1);
            Run(endPoint, requests, Math.Min(200, count), inFlight); // warm-up: JIT, connection paths
            var self = Process.GetCurrentProcess();
            var cpu = self.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            int answered = Run(endPoint, requests, count, inFlight);
            clock.Stop();
            self.Refresh();
            // The client's own CPU time for the timed part: what the same requests cost a client, spread over its threads.
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0:F1} ms {1} answered {2:F1} ms cpu",
                clock.Elapsed.TotalMilliseconds, answered, (self.TotalProcessorTime - cpu).TotalMilliseconds));
            return answered == count ? 0 : 1;
        }

        private static int Run(UnixDomainSocketEndPoint endPoint, byte[][] requests, int count, int inFlight)
        {
            int next = -1, answered = 0;
            var threads = new Thread[inFlight];
            for (int t = 0; t < inFlight; t++)
            {
                threads[t] = new Thread(() =>
                {
                    var buffer = new byte[4096];
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < count)
                    {
                        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                        socket.Connect(endPoint);
                        socket.Send(requests[i]);
                        int total = 0, n;
                        while ((n = socket.Receive(buffer)) > 0) total += n;
                        if (total > 0) Interlocked.Increment(ref answered);
                    }
                });
                threads[t].Start();
            }
            foreach (var t in threads) t.Join();
            return answered;
        }

        public static int OneShot(string runtimePath, string policyPath, string registryPath, int count)
        {
            Start(runtimePath, policyPath, registryPath, 1); // warm-up: the binary in the page cache
            var clock = Stopwatch.StartNew();
            int answered = Start(runtimePath, policyPath, registryPath, count);
            clock.Stop();
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0:F1} ms {1} answered", clock.Elapsed.TotalMilliseconds, answered));
            return answered == count ? 0 : 1;
        }

        private static int Start(string runtimePath, string policyPath, string registryPath, int count)
        {
            int answered = 0;
            for (int i = 0; i < count; i++)
            {
                var start = new ProcessStartInfo(runtimePath)
                {
                    UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
                };
                start.ArgumentList.Add("--policy");
                start.ArgumentList.Add(policyPath);
                if (registryPath.Length > 0) { start.ArgumentList.Add("--registry"); start.ArgumentList.Add(registryPath); }
                using var process = Process.Start(start)!;
                var request = Request(i + 1);
                var stdin = process.StandardInput.BaseStream;
                stdin.Write(request, 0, request.Length - 1); // one-shot reads one object; no newline needed
                stdin.Close();
                _ = process.StandardError.BaseStream.CopyToAsync(Stream.Null);
                string output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode == 0 && output.Length > 0) answered++;
            }
            return answered;
        }
    }
}
