using System;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace Cavra.Benchmarks
{
    /// <summary><c>--api URL [--requests N] [--concurrency C] [--server-pid P]</c>: GETs one route N times from C concurrent
    /// loops on loopback and prints requests/second and latency percentiles. Every response must be 200 with one identical
    /// body. With the server's process id it also prints the CPU time the server and this load generator spent per request:
    /// a figure that, unlike requests/second, does not depend on what else the machine is running.</summary>
    public static class ApiLoad
    {
        public static int Run(string url, int requests, int concurrency, int serverPid = 0)
        {
            Process? server = null;
            if (serverPid > 0) { try { server = Process.GetProcessById(serverPid); } catch (ArgumentException) { } }
            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
            string first = client.GetStringAsync(url).GetAwaiter().GetResult();
            for (int i = 0; i < 200; i++) client.GetStringAsync(url).GetAwaiter().GetResult(); // warm-up
            var latencies = new double[requests];
            int next = -1, failures = 0;
            var self = Process.GetCurrentProcess();
            self.Refresh();
            var clientCpu0 = self.TotalProcessorTime;
            server?.Refresh();
            var serverCpu0 = server?.TotalProcessorTime ?? TimeSpan.Zero;
            var total = Stopwatch.StartNew();
            Task.WaitAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < requests)
                {
                    var sw = Stopwatch.StartNew();
                    using var response = await client.GetAsync(url).ConfigureAwait(false);
                    string body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                    latencies[i] = sw.Elapsed.TotalMilliseconds;
                    if (!response.IsSuccessStatusCode || body != first) Interlocked.Increment(ref failures);
                }
            })).ToArray());
            total.Stop();
            self.Refresh();
            double clientUs = (self.TotalProcessorTime - clientCpu0).TotalMilliseconds * 1000 / requests;
            server?.Refresh();
            double serverUs = server == null ? 0 : (server.TotalProcessorTime - serverCpu0).TotalMilliseconds * 1000 / requests;
            Array.Sort(latencies);
            Console.WriteLine($"Readiness API, GET {url}, {requests} requests, {concurrency} concurrent (target: at least 2,000 requests/s on 2 cores)");
            Console.WriteLine($"  {requests / total.Elapsed.TotalSeconds:N0} requests/s, p50 {latencies[requests / 2]:N2} ms, p99 {latencies[(int)(requests * 0.99)]:N2} ms, {failures} failed or differing responses");
            if (server != null)
            {
                int cores = Environment.ProcessorCount;
                Console.WriteLine($"  CPU per request: server {serverUs:N0} us, load generator {clientUs:N0} us; {cores} cores with nothing else running: " +
                    $"about {cores * 1e6 / (serverUs + clientUs):N0} requests/s with this load generator, {cores * 1e6 / serverUs:N0} for the server alone");
            }
            return failures == 0 ? 0 : 1;
        }
    }
}
