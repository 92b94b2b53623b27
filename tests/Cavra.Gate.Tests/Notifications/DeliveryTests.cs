using System.Text.Json.Nodes;
using Cavra.Gate.FileSystem;
using Cavra.Gate.Notifications;
using static Cavra.Gate.Tests.Notifications.DeliveryFixture;

namespace Cavra.Gate.Tests.Notifications;

/// <summary>
/// Deliveries over real HTTP to a Kestrel receiver on 127.0.0.1 that answers 500, hangs past the timeout, drops the
/// connection or recovers (docs/design/notifications.md §5). Timeouts are settings (0.2 s), never timed assertions.
/// </summary>
public sealed class DeliveryTests : IAsyncLifetime
{
    private const string Secret = "s3cr3t-Bearer-9f8e7d";
    private readonly DeliveryFixture _f = new();
    private LoopbackReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await LoopbackReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _f.Dispose();
    }

    private static JsonObject WebhookOnly() => Doc(d => d["notification_providers"] = new JsonArray("webhook"));

    private static JsonObject Doc(Action<JsonObject> change)
    {
        var doc = ScheduleDoc();
        change(doc);
        return doc;
    }

    private ConnectorConfig Webhook(int retries = 2, double timeout = 10, string path = "/hook")
    {
        _f.Environment["CAVRA_TEST_WEBHOOK_TOKEN"] = Secret;
        return _f.Config(Connector("webhook", _receiver.Url(path), retries, timeout,
            new JsonObject { ["Authorization"] = new JsonObject { ["env"] = "CAVRA_TEST_WEBHOOK_TOKEN" }, ["X-Static"] = "literal-" + Secret }));
    }

    private IReadOnlyList<DeliveryRecord> Send(ConnectorConfig config, TimeProvider? clock = null, JsonObject? schedule = null)
    {
        var plan = _f.Plan(schedule ?? WebhookOnly());
        return DrillNotifier.Send(plan, config, _f.Ledger, clock ?? _f.Clock);
    }

    private NotificationLedgerContents Ledger() => NotificationLedger.Read(new InputFiles(_f.Dir), _f.Ledger);

    private void AssertNoSecret(IEnumerable<DeliveryRecord> records)
    {
        Assert.DoesNotContain(Secret, _f.LedgerText);
        foreach (var r in records)
        {
            Assert.DoesNotContain(Secret, r.ToString());
            Assert.DoesNotContain(Secret, r.Error);
            Assert.All(r.Attempts, a => Assert.DoesNotContain(Secret, a.Error));
        }
    }

    private string Where(int port = 0) => $"webhook at http://127.0.0.1:{(port == 0 ? _receiver.BaseUri.Port : port)}/hook";

    [Fact]
    public void A_2xx_answer_delivers_once_with_the_headers_and_the_payload_and_appends_one_line()
    {
        var config = Webhook();
        var plan = _f.Plan(WebhookOnly());
        var records = DrillNotifier.Send(plan, config, _f.Ledger, _f.Clock);

        var r = Assert.Single(records);
        Assert.True(r.Success);
        Assert.Equal((1, 200, "", "2026-11-26T12:00:00+00:00", "2026-11-26T12:00:00+00:00", ""),
            (r.AttemptCount, r.StatusCode, r.Error, r.AttemptedAt, r.DeliveredAt, r.RetryOf));
        Assert.Equal((plan.PlanId, plan.Routes[0].RouteKey, "go_backend_python_fallback_monthly", "release-governance", "webhook", NotificationEvent.Type),
            (r.PlanId, r.RouteKey, r.ScheduleId, r.Owner, r.Provider, r.EventType));
        Assert.Equal(DeliveryRecord.ComputeId(plan.PlanId, plan.Routes[0].RouteKey, "webhook", "2026-11-26T12:00:00+00:00"), r.DeliveryId);
        var attempt = Assert.Single(r.Attempts);
        Assert.Equal((1, (int?)200, ""), (attempt.Number, attempt.StatusCode, attempt.Error));

        var request = Assert.Single(_receiver.Requests);
        Assert.Equal(("POST", "/hook", "application/json; charset=utf-8"), (request.Method, request.Path, request.ContentType));
        Assert.Equal(Secret, request.Headers["Authorization"]);
        Assert.Equal("literal-" + Secret, request.Headers["X-Static"]);
        Assert.Equal(NotificationPayloads.For(NotificationEvent.For(plan, plan.Routes[0]), config.Find("webhook")!), request.Body);

        Assert.Equal(NotificationRecords.ToLine(r) + "\n", _f.LedgerText);
        Assert.Equal(r.DeliveryId, Assert.Single(Ledger().Deliveries).DeliveryId);
        AssertNoSecret(records);
    }

    [Fact]
    public void A_500_is_retried_and_a_recovery_on_the_third_attempt_delivers()
    {
        _receiver.Then(Reply.Code(500), Reply.Code(503));
        var r = Assert.Single(Send(Webhook(retries: 2)));
        Assert.True(r.Success);
        Assert.Equal(3, r.AttemptCount);
        Assert.Equal(new[] { (1, (int?)500, "http_500"), (2, 503, "http_503"), (3, 200, "") }, r.Attempts.Select(a => (a.Number, a.StatusCode, a.Error)));
        Assert.Equal(3, _receiver.Requests.Count);
    }

    [Fact]
    public void A_500_on_every_attempt_fails_after_one_plus_retries_attempts_and_is_recorded()
    {
        _receiver.Default = Reply.Code(500);
        var r = Assert.Single(Send(Webhook(retries: 2)));
        Assert.False(r.Success);
        Assert.Equal((3, (int?)500, "", $"http_500 after 3 attempts to {Where()}"), (r.AttemptCount, r.StatusCode, r.DeliveredAt, r.Error));
        Assert.Equal(3, _receiver.Requests.Count);
        var recorded = Assert.Single(Ledger().Deliveries);
        Assert.Equal((false, 3, "http_500,http_500,http_500"), (recorded.Success, recorded.AttemptCount, string.Join(",", recorded.Attempts.Select(a => a.Error))));
        AssertNoSecret(new[] { r });
    }

    [Theory]
    [InlineData(400, 1)]
    [InlineData(401, 1)]
    [InlineData(404, 1)]
    [InlineData(302, 1)] // redirects are not followed: the headers never go to another host
    [InlineData(408, 3)]
    [InlineData(429, 3)]
    [InlineData(502, 3)]
    public void Client_errors_end_the_delivery_except_408_and_429(int status, int attempts)
    {
        _receiver.Default = Reply.Code(status);
        var r = Assert.Single(Send(Webhook(retries: 2)));
        Assert.False(r.Success);
        Assert.Equal((attempts, (int?)status), (r.AttemptCount, r.StatusCode));
        Assert.Equal($"http_{status} after {attempts} attempt{(attempts == 1 ? "" : "s")} to {Where()}", r.Error);
        Assert.Equal(attempts, _receiver.Requests.Count);
    }

    [Fact]
    public void A_receiver_that_hangs_past_the_timeout_is_a_timeout_attempt_and_the_next_attempt_recovers()
    {
        _receiver.Then(Reply.Hang);
        var r = Assert.Single(Send(Webhook(retries: 1, timeout: 0.2), TimeProvider.System));
        Assert.True(r.Success);
        Assert.Equal(new[] { (1, (int?)null, "timeout"), (2, 200, "") }, r.Attempts.Select(a => (a.Number, a.StatusCode, a.Error)));
    }

    [Fact]
    public void A_receiver_that_always_hangs_fails_with_timeouts_on_every_attempt()
    {
        _receiver.Default = Reply.Hang;
        var r = Assert.Single(Send(Webhook(retries: 1, timeout: 0.2), TimeProvider.System));
        Assert.False(r.Success);
        Assert.Equal((2, (int?)null), (r.AttemptCount, r.StatusCode));
        Assert.Equal(new[] { "timeout", "timeout" }, r.Attempts.Select(a => a.Error));
        Assert.Equal($"timeout (timeout 0.2 s) after 2 attempts to {Where()}", r.Error);
    }

    [Fact]
    public void A_dropped_connection_is_connection_closed_and_retried()
    {
        _receiver.Then(Reply.Close, Reply.Close);
        var r = Assert.Single(Send(Webhook(retries: 2)));
        Assert.True(r.Success);
        Assert.Equal(new[] { "connection_closed", "connection_closed", "" }, r.Attempts.Select(a => a.Error));
        Assert.Equal(new int?[] { null, null, 200 }, r.Attempts.Select(a => a.StatusCode));
    }

    [Fact]
    public async Task A_port_nobody_listens_on_is_connection_refused()
    {
        var gone = await LoopbackReceiver.StartAsync();
        string url = gone.Url();
        int port = gone.BaseUri.Port;
        await gone.DisposeAsync();
        var config = _f.Config(Connector("webhook", url, retries: 1));
        var r = Assert.Single(Send(config));
        Assert.False(r.Success);
        Assert.Equal(new[] { "connection_refused", "connection_refused" }, r.Attempts.Select(a => a.Error));
        Assert.Equal($"connection_refused after 2 attempts to {Where(port)}", r.Error);
    }

    /// <summary>A handler that fails every request with <paramref name="error"/>: faults a loopback receiver cannot stage (TLS, DNS).</summary>
    private sealed class Failing(Exception error) : HttpMessageHandler
    {
        public int Calls;
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            return Task.FromException<HttpResponseMessage>(error);
        }
    }

    [Theory]
    [InlineData("tls", 1)] // a certificate problem does not heal between attempts
    [InlineData("name_resolution", 3)]
    [InlineData("connection_refused", 3)]
    [InlineData("connection_closed", 3)]
    [InlineData("connection_error", 3)]
    public void Faults_are_classified_by_type_and_only_tls_is_not_retried(string expected, int attempts)
    {
        Exception error = expected switch
        {
            "tls" => new HttpRequestException("The SSL connection could not be established, see inner exception. " + Secret,
                new System.Security.Authentication.AuthenticationException("remote certificate is invalid for " + Secret)),
            "name_resolution" => new HttpRequestException("No such host is known. (" + Secret + ":443)",
                new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound)),
            "connection_refused" => new HttpRequestException("Connection refused",
                new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused)),
            "connection_closed" => new HttpRequestException("An error occurred while sending the request.", new IOException("The response ended prematurely.")),
            _ => new HttpRequestException("Something else " + Secret),
        };
        var handler = new Failing(error);
        var client = new ConnectorClient(_f.Clock, () => handler);
        var r = Assert.Single(DrillNotifier.Send(_f.Plan(WebhookOnly()), Webhook(retries: 2), _f.Ledger, _f.Clock, client));
        Assert.Equal(attempts, handler.Calls);
        Assert.Equal(Enumerable.Repeat(expected, attempts), r.Attempts.Select(a => a.Error));
        Assert.Equal($"{expected} after {attempts} attempt{(attempts == 1 ? "" : "s")} to {Where()}", r.Error);
        AssertNoSecret(new[] { r }); // no exception text is kept
    }

    [Fact]
    public void A_provider_without_a_connector_or_with_a_missing_variable_is_a_recorded_failed_delivery_without_attempts()
    {
        _f.Environment.Clear();
        var config = _f.Config(
            Connector("webhook", _receiver.Url(), headers: new JsonObject { ["Authorization"] = new JsonObject { ["env"] = "CAVRA_TEST_UNSET" } }));
        var records = Send(config, schedule: Doc(d => d["notification_providers"] = new JsonArray("webhook", "slack")));
        Assert.Equal(new[] { "webhook", "slack" }, records.Select(r => r.Provider));
        Assert.All(records, r => Assert.Equal((false, 0, (int?)null), (r.Success, r.AttemptCount, r.StatusCode)));
        Assert.Equal("connector webhook is not usable: header Authorization reads environment variable CAVRA_TEST_UNSET, which is not set", records[0].Error);
        Assert.Equal("no connector configured for provider slack", records[1].Error);
        Assert.Empty(_receiver.Requests);
        Assert.Equal(records.Select(r => r.DeliveryId), Ledger().Deliveries.Select(d => d.DeliveryId));
    }

    [Fact]
    public void Suppressed_routes_send_and_record_nothing()
    {
        var schedule = Doc(d =>
        {
            d["notification_providers"] = new JsonArray("webhook", "slack");
            d["maintenance_windows"] = new JsonArray(new JsonObject
            {
                ["start_at"] = Cavra.Gate.Time.IsoTimestamp.Format(Now.AddHours(-1)), ["end_at"] = Cavra.Gate.Time.IsoTimestamp.Format(Now.AddHours(1)),
                ["providers"] = new JsonArray("slack"),
            });
        });
        var r = Assert.Single(Send(Webhook(), schedule: schedule));
        Assert.Equal(("webhook", true), (r.Provider, r.Success));
        Assert.Single(_receiver.Requests);
        Assert.Single(Ledger().Records);
    }

    [Fact]
    public void An_unusable_config_or_ledger_stops_before_anything_is_sent()
    {
        var plan = _f.Plan(WebhookOnly());
        var bad = _f.Config("""{"connectors": [{"provider": "webhook", "url": "http://hooks.example.test/x"}]}""");
        var e = Assert.Throws<ConnectorConfigException>(() => DrillNotifier.Send(plan, bad, _f.Ledger, _f.Clock));
        Assert.Equal("the connector config cannot be used, nothing was sent: connectors[0] (webhook) url must use https (plain http is allowed only to a loopback host)",
            e.Message);

        var good = Webhook();
        Directory.CreateDirectory(Path.Combine(_f.Dir, "ledger-dir"));
        var ledgerError = Assert.Throws<NotificationLedgerException>(() => DrillNotifier.Send(plan, good, Path.Combine(_f.Dir, "ledger-dir"), _f.Clock));
        Assert.StartsWith("the notification ledger cannot be used, nothing was sent: ", ledgerError.Message);
        Assert.Empty(_receiver.Requests);
        Assert.False(File.Exists(_f.Ledger));
    }

    [Fact]
    public void Secrets_in_headers_and_the_url_query_never_reach_records_errors_or_text()
    {
        _receiver.Default = Reply.Code(500);
        _f.Environment["CAVRA_TEST_WEBHOOK_TOKEN"] = Secret;
        var config = _f.Config(Connector("webhook", _receiver.Url("/hook?sig=" + Secret), retries: 0,
            headers: new JsonObject { ["Authorization"] = new JsonObject { ["env"] = "CAVRA_TEST_WEBHOOK_TOKEN" } }));
        var r = Assert.Single(Send(config));
        Assert.Equal("?sig=" + Secret, Assert.Single(_receiver.Requests).Query); // it was sent...
        Assert.Equal($"http_500 after 1 attempt to {Where()}", r.Error);    // ...and is nowhere else
        AssertNoSecret(new[] { r });
        Assert.DoesNotContain(Secret, config.ToString() + config.Connectors[0]);
    }

    [Fact]
    public void Each_route_is_appended_as_it_is_delivered_and_a_second_send_appends_again()
    {
        var config = _f.Config(Connector("webhook", _receiver.Url()), Connector("slack", _receiver.Url("/slack")));
        var schedule = Doc(d => { d["owners"] = new JsonArray("a", "b"); d["notification_providers"] = new JsonArray("webhook", "slack"); });
        var first = Send(config, schedule: schedule);
        Assert.Equal(new[] { "a/webhook", "a/slack", "b/webhook", "b/slack" }, first.Select(r => r.Owner + "/" + r.Provider));
        _f.Clock.Advance(TimeSpan.FromSeconds(1));
        var second = Send(config, schedule: schedule);
        Assert.Equal(first.Concat(second).Select(r => r.DeliveryId), Ledger().Deliveries.Select(d => d.DeliveryId));
        Assert.Equal(8, first.Concat(second).Select(r => r.DeliveryId).Distinct().Count());
        Assert.Equal(new[] { "/hook", "/slack", "/hook", "/slack" }, _receiver.Requests.Take(4).Select(q => q.Path));
    }

    [Fact]
    public void The_same_route_twice_at_one_instant_is_refused_rather_than_recorded_under_one_id()
    {
        var config = Webhook();
        Send(config);
        var e = Assert.Throws<InvalidOperationException>(() => Send(config));
        Assert.StartsWith("delivery gordelivery-", e.Message);
        Assert.EndsWith("; nothing was sent", e.Message);
        Assert.Single(Ledger().Deliveries);
        Assert.Single(_receiver.Requests);
    }

    [Fact]
    public async Task Cancelling_stops_an_attempt_in_flight_and_records_nothing_for_it()
    {
        _receiver.Default = Reply.Hang;
        var plan = _f.Plan(WebhookOnly());
        using var cancel = new CancellationTokenSource();
        var sending = DrillNotifier.SendAsync(plan, Webhook(timeout: 300), _f.Ledger, _f.Clock, cancel: cancel.Token);
        for (int i = 0; i < 1000 && _receiver.Requests.Count == 0; i++) await Task.Delay(10); // until the request is in flight (bounded)
        Assert.Single(_receiver.Requests);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
        Assert.False(File.Exists(_f.Ledger));
    }
}
