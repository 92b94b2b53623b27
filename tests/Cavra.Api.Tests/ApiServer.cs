using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Cavra.Gate.Configuration;
using Cavra.Gate.Json;
using Cavra.Gate.Readiness;
using Cavra.Gate.Serialization;
using Cavra.Gate.Time;
using Microsoft.AspNetCore.Builder;
using Cavra.Gate.FileSystem;
using Microsoft.Extensions.Time.Testing;

namespace Cavra.Api.Tests;

/// <summary>The real API (Kestrel) on a loopback ephemeral port, with a pinned clock and its own CAVRA_GO_* variables.</summary>
public sealed class ApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ApiServer(WebApplication app, Uri baseUri, ApiOptions options)
    {
        _app = app;
        BaseUri = baseUri;
        Options = options;
        Client = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri BaseUri { get; }
    public ApiOptions Options { get; }
    public HttpClient Client { get; }

    /// <summary>Starts the API. <paramref name="environment"/> stands in for the process environment (read per request).</summary>
    public static async Task<ApiServer> StartAsync(string? settingsPath, IDictionary<string, string>? environment = null, TimeProvider? clock = null)
    {
        var env = environment ?? new ConcurrentDictionary<string, string>();
        var options = new ApiOptions
        {
            Address = IPAddress.Loopback,
            Port = 0,
            SettingsPath = settingsPath,
            Clock = clock ?? new FakeTimeProvider(Gate.Tests.EvidenceSet.Now),
            Environment = name => env.TryGetValue(name, out var v) ? v : null,
        };
        var app = ReadinessApi.Build(options);
        await app.StartAsync();
        return new ApiServer(app, new Uri(app.Urls.Single().TrimEnd('/') + "/"), options);
    }

    public async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> GetAsync(string path)
    {
        var response = await Client.GetAsync(path.TrimStart('/'));
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    public async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path, byte[]? body = null)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body != null) request.Content = new ByteArrayContent(body);
        var response = await Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    /// <summary>Sends bytes as they are on a fresh connection and returns the status code and body of the answer.</summary>
    public async Task<(int Status, string Head, string Body)> RawAsync(byte[] request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, BaseUri.Port);
        var stream = tcp.GetStream();
        try { await stream.WriteAsync(request); }
        catch (IOException) { } // the server may refuse before it has read everything
        var received = new MemoryStream();
        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, n);
                if (Complete(received.ToArray())) break;
            }
        }
        catch (IOException) { } // reset after the answer
        string text = Encoding.UTF8.GetString(received.ToArray());
        int split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, "no HTTP answer: " + text);
        string head = text[..split];
        int status = int.Parse(head.Split(' ')[1]);
        return (status, head, text[(split + 4)..]);
    }

    public static byte[] Ascii(string text) => Encoding.Latin1.GetBytes(text);

    private static bool Complete(byte[] data)
    {
        string text = Encoding.Latin1.GetString(data);
        int split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (split < 0) return false;
        foreach (var line in text[..split].Split("\r\n"))
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                return data.Length >= split + 4 + int.Parse(line[15..].Trim());
        return false; // no length: read until the server closes
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A settings file with upstream's snake_case keys for a set of gate parameters.</summary>
public static class SettingsFile
{
    public static string Write(string path, GateParameters p)
    {
        var w = new CanonicalJsonWriter();
        w.StartObject();
        if (p.Mode.HasValue) w.Property("mode", p.Mode.Value.ToString().ToLowerInvariant());
        void Text(string key, string? value) { if (value != null) w.Property(key, value); }
        void Number(string key, double? value) { if (value.HasValue) w.Property(key, value.Value); }
        Text("runtime_path", p.RuntimePath);
        Text("policy_path", p.PolicyPath);
        Text("registry_path", p.RegistryPath);
        Text("package_dir", p.PackageDir);
        Text("endpoint_deployment_path", p.EndpointDeploymentPath);
        Text("ci_runner_bundles_path", p.CiRunnerBundlesPath);
        Text("channel_manifest_path", p.ChannelManifestPath);
        Text("updater_policy_path", p.UpdaterPolicyPath);
        Text("promotion_evidence_path", p.PromotionEvidencePath);
        Text("rollback_plan_path", p.RollbackPlanPath);
        Text("rollback_rehearsal_path", p.RollbackRehearsalPath);
        Text("rollback_drill_history_path", p.RollbackDrillHistoryPath);
        Number("rollback_drill_max_age_days", p.RollbackDrillMaxAgeDays);
        Text("rollback_drill_schedule_path", p.RollbackDrillSchedulePath);
        Number("rollback_drill_due_soon_days", p.RollbackDrillDueSoonDays);
        Number("timeout_seconds", p.TimeoutSeconds);
        w.EndObject();
        File.WriteAllText(path, w.ToString());
        return path;
    }

    /// <summary>What a cmdlet's -AsJson prints for the same configuration: the report's canonical JSON.</summary>
    public static GateContext Context(GateParameters p, Func<string, string?>? environment = null) =>
        new(GateConfig.Resolve(p, environment ?? (_ => null)), new InputFiles(), new FakeTimeProvider(Gate.Tests.EvidenceSet.Now));
}
