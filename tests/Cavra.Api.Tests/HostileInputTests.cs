using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using Cavra.Gate.Configuration;
using Cavra.Gate.Tests;

namespace Cavra.Api.Tests;

/// <summary>Issue 17 over HTTP: a FIFO-configured route must not take server threads with it, and a runtime's stderr
/// must not reach a response body.</summary>
public sealed class HostileInputTests : IDisposable
{
    private readonly EvidenceSet _evidence = new();
    private string SettingsPath => Path.Combine(_evidence.Directory, "api-settings.json");
    public void Dispose() => _evidence.Dispose();

    [Fact]
    public async Task Healthz_keeps_answering_while_300_requests_target_a_fifo_configured_route()
    {
        if (OperatingSystem.IsWindows()) return;
        var fifo = Path.Combine(_evidence.Directory, "plan.fifo");
        Assert.Equal(0, mkfifo(fifo, 0b110_100_100));
        var p = _evidence.Parameters();
        p.RollbackPlanPath = fifo;
        await using var api = await ApiServer.StartAsync(SettingsFile.Write(SettingsPath, p));
        using var hardDeadline = new CancellationTokenSource(TimeSpan.FromSeconds(90)); // once: every request blocked for good

        var storm = Enumerable.Range(0, 300)
            .Select(_ => api.Client.GetAsync("runtime/go-pilot/rollback-readiness", hardDeadline.Token))
            .ToArray();
        var health = new List<double>();
        for (int i = 0; i < 7; i++)
        {
            var sw = Stopwatch.StartNew();
            // Generous: on a loaded 2-core machine 300 full evaluations queue ahead of a probe. A FIFO open that blocked
            // would hold its request for good, which the storm's own deadline below catches.
            using var probe = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var answer = await api.Client.GetAsync("healthz", probe.Token);
            health.Add(sw.Elapsed.TotalMilliseconds);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }
        var answers = await Task.WhenAll(storm);
        foreach (var a in answers)
        {
            Assert.Equal(HttpStatusCode.OK, a.StatusCode);
            Assert.Contains("not a regular file: FIFO", await a.Content.ReadAsStringAsync());
            a.Dispose();
        }
        // How fast healthz answered is a figure, not a test (it depends on the machine's load).
        health.Sort();
        Console.WriteLine("healthz during the storm (ms): " + string.Join(", ", health.Select(h => h.ToString("0"))));
    }

    [Fact]
    public async Task A_runtimes_stderr_never_reaches_the_evaluate_response()
    {
        if (OperatingSystem.IsWindows()) return;
        var runtime = Path.Combine(_evidence.Directory, "leaky-runtime");
        File.WriteAllText(runtime, "#!/bin/sh\necho 'boom /etc/shadow secret' >&2\nexit 1\n");
        File.SetUnixFileMode(runtime, (UnixFileMode)0b111_101_101);
        var settings = SettingsFile.Write(SettingsPath, new GateParameters { Mode = BackendMode.Shadow, RuntimePath = runtime, PolicyPath = _evidence.PolicyPath });
        await using var api = await ApiServer.StartAsync(settings);
        var (status, body, _) = await api.SendAsync(HttpMethod.Post, "/runtime/go-pilot/evaluate", Encoding.UTF8.GetBytes("{\"action_type\": \"read_file\", \"target\": \"a\"}"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("\"fallback_reason\": \"go runtime failed: exited with status 1\"", body);
        Assert.DoesNotContain("boom", body);
        Assert.DoesNotContain("shadow secret", body);
    }

#pragma warning disable SYSLIB1054
    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);
#pragma warning restore SYSLIB1054
}
