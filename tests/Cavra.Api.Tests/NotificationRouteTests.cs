using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Cavra.Gate.Notifications;
using Cavra.Gate.Tests;

namespace Cavra.Api.Tests;

/// <summary>The read-only notification routes (docs/design/notifications.md §12): the ledger's deliveries and the per-provider
/// recovery state, read anew per request, failing closed when the ledger is missing from the configuration or unreadable.</summary>
public sealed class NotificationRouteTests : IDisposable
{
    private readonly EvidenceSet _evidence = new();
    private string Ledger => Path.Combine(_evidence.Directory, "notifications.jsonl");
    public void Dispose() => _evidence.Dispose();

    private Task<ApiServer> Start(bool configured = true)
    {
        var env = new ConcurrentDictionary<string, string>();
        if (configured) env["CAVRA_GO_NOTIFICATION_LEDGER"] = Ledger;
        return ApiServer.StartAsync(null, env);
    }

    private static DeliveryRecord Delivery(string provider, bool success, DateTimeOffset at, string retryOf = "") =>
        DeliveryRecord.Create("gordn-0000000000000001", "gordroute-" + provider, "drill_schedule", "release-governance", provider,
            "cavra.go_backend.rollback_drill.notification",
            new[] { new DeliveryAttempt(1, success ? 200 : 500, success ? "" : "http_500", at, 12) }, success, at, success ? at : null, success ? "" : "http_500", retryOf);

    private static JsonElement Parse(string body) => JsonDocument.Parse(body).RootElement;

    [Fact]
    public async Task Deliveries_serve_every_delivery_record_in_ledger_order()
    {
        var slack = Delivery("slack", false, EvidenceSet.Now.AddHours(-2));
        var teams = Delivery("teams", true, EvidenceSet.Now.AddHours(-1));
        NotificationLedger.Append(Ledger, new INotificationRecord[] { slack, teams });
        await using var api = await Start();

        var (status, body, response) = await api.GetAsync(NotificationRoutes.DeliveriesPath);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var json = Parse(body);
        Assert.Equal("cavra.connector.delivery.v1", json.GetProperty("schema_version").GetString());
        Assert.True(json.GetProperty("ledger_configured").GetBoolean());
        Assert.True(json.GetProperty("ledger_exists").GetBoolean());
        Assert.Equal(0, json.GetProperty("problems").GetArrayLength());
        var deliveries = json.GetProperty("deliveries").EnumerateArray().ToList();
        Assert.Equal(new[] { slack.DeliveryId, teams.DeliveryId }, deliveries.Select(d => d.GetProperty("delivery_id").GetString()));
        Assert.False(deliveries[0].GetProperty("success").GetBoolean());
        Assert.Equal(500, deliveries[0].GetProperty("status_code").GetInt32());
        Assert.Equal(1, deliveries[0].GetProperty("attempt_count").GetInt32());
    }

    [Fact]
    public async Task Recovery_names_the_open_failures_per_provider_and_is_not_recovered()
    {
        NotificationLedger.Append(Ledger, new INotificationRecord[] { Delivery("slack", false, EvidenceSet.Now.AddHours(-2)), Delivery("teams", true, EvidenceSet.Now.AddHours(-1)) });
        await using var api = await Start();

        var json = Parse((await api.GetAsync(NotificationRoutes.RecoveryPath)).Body);

        Assert.Equal(NotificationRoutes.RecoverySchema, json.GetProperty("schema_version").GetString());
        Assert.False(json.GetProperty("recovered").GetBoolean());
        Assert.Equal(1, json.GetProperty("open_failures").GetInt32());
        var providers = json.GetProperty("providers").EnumerateArray().ToDictionary(p => p.GetProperty("provider").GetString()!);
        Assert.Equal(1, providers["slack"].GetProperty("open_failures").GetInt32());
        Assert.False(providers["slack"].GetProperty("recovered").GetBoolean());
        Assert.True(providers["teams"].GetProperty("recovered").GetBoolean());
    }

    [Fact]
    public async Task A_change_to_the_ledger_between_requests_is_seen()
    {
        NotificationLedger.Append(Ledger, new INotificationRecord[] { Delivery("slack", false, EvidenceSet.Now.AddHours(-2)) });
        await using var api = await Start();
        Assert.Equal(1, Parse((await api.GetAsync(NotificationRoutes.RecoveryPath)).Body).GetProperty("open_failures").GetInt32());

        NotificationLedger.Append(Ledger, new INotificationRecord[] { Delivery("slack", false, EvidenceSet.Now.AddHours(-1)) });

        Assert.Equal(2, Parse((await api.GetAsync(NotificationRoutes.RecoveryPath)).Body).GetProperty("open_failures").GetInt32());
        Assert.Equal(2, Parse((await api.GetAsync(NotificationRoutes.DeliveriesPath)).Body).GetProperty("deliveries").GetArrayLength());
    }

    [Fact]
    public async Task A_malformed_line_is_a_problem_naming_its_line_and_recovery_fails_closed()
    {
        NotificationLedger.Append(Ledger, new INotificationRecord[] { Delivery("teams", true, EvidenceSet.Now.AddHours(-1)) });
        File.AppendAllText(Ledger, "{\"record_type\": \"delivery\", \"success\": \n");
        await using var api = await Start();

        var deliveries = Parse((await api.GetAsync(NotificationRoutes.DeliveriesPath)).Body);
        var problem = Assert.Single(deliveries.GetProperty("problems").EnumerateArray());
        Assert.Equal(2, problem.GetProperty("line").GetInt64());
        Assert.Equal(1, deliveries.GetProperty("deliveries").GetArrayLength());
        Assert.False(Parse((await api.GetAsync(NotificationRoutes.RecoveryPath)).Body).GetProperty("recovered").GetBoolean());
    }

    [Fact]
    public async Task Without_a_configured_ledger_the_lists_are_empty_and_recovery_is_not_claimed()
    {
        await using var api = await Start(configured: false);

        var deliveries = Parse((await api.GetAsync(NotificationRoutes.DeliveriesPath)).Body);
        var recovery = Parse((await api.GetAsync(NotificationRoutes.RecoveryPath)).Body);

        Assert.False(deliveries.GetProperty("ledger_configured").GetBoolean());
        Assert.Equal(0, deliveries.GetProperty("deliveries").GetArrayLength());
        Assert.False(recovery.GetProperty("recovered").GetBoolean());
    }

    [Fact]
    public async Task A_missing_ledger_has_nothing_open_and_is_recovered()
    {
        await using var api = await Start();
        var recovery = Parse((await api.GetAsync(NotificationRoutes.RecoveryPath)).Body);
        Assert.False(recovery.GetProperty("ledger_exists").GetBoolean());
        Assert.True(recovery.GetProperty("recovered").GetBoolean());
        Assert.Equal(0, recovery.GetProperty("providers").GetArrayLength());
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task The_routes_are_read_only(string method)
    {
        await using var api = await Start();
        foreach (var (path, _) in NotificationRoutes.All)
        {
            var (status, body, _) = await api.SendAsync(new HttpMethod(method), path, "{}"u8.ToArray());
            Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
            Assert.Contains("method_not_allowed", body);
        }
        Assert.False(File.Exists(Ledger));
    }

    [Fact]
    public async Task A_query_string_is_refused()
    {
        await using var api = await Start();
        var (status, body, _) = await api.GetAsync(NotificationRoutes.DeliveriesPath + "?provider=slack");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("query_not_supported", body);
    }
}
