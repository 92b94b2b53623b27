using System.Text.Json.Nodes;
using Cavra.Gate.FileSystem;
using Cavra.Gate.Json;
using Cavra.Gate.Notifications;
using static Cavra.Gate.Tests.Notifications.DeliveryFixture;
using JsonArray = System.Text.Json.Nodes.JsonArray;
using JsonObject = System.Text.Json.Nodes.JsonObject;

namespace Cavra.Gate.Tests.Notifications;

/// <summary>Approval-bound live retries against a real receiver (docs/design/notifications.md §7); the clock is a FakeTimeProvider.</summary>
public sealed class DeliveryRetryTests : IAsyncLifetime
{
    private const string Secret = "s3cr3t-retry-token-77";
    private readonly DeliveryFixture _f = new();
    private LoopbackReceiver _receiver = null!;
    private ConnectorConfig _config = null!;

    public async Task InitializeAsync()
    {
        _receiver = await LoopbackReceiver.StartAsync();
        _f.Environment["CAVRA_TEST_RETRY_TOKEN"] = Secret;
        _config = _f.Config(Connector("webhook", _receiver.Url(), retries: 0,
            headers: new JsonObject { ["Authorization"] = new JsonObject { ["env"] = "CAVRA_TEST_RETRY_TOKEN" } }));
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _f.Dispose();
    }

    private static JsonObject ScheduleJson() { var d = ScheduleDoc(); d["notification_providers"] = new JsonArray("webhook"); return d; }

    /// <summary>One failed delivery (the receiver answers 500), then the clock moves on a minute.</summary>
    private DeliveryRecord Failed()
    {
        _receiver.Then(Reply.Code(500));
        var failed = Assert.Single(DrillNotifier.Send(_f.Plan(ScheduleJson()), _config, _f.Ledger, _f.Clock));
        Assert.False(failed.Success);
        _f.Clock.Advance(TimeSpan.FromMinutes(1));
        return failed;
    }

    private RetryApprovalDecision Decide(DeliveryRecord d, string state, TimeSpan? validFor = null, string provider = "webhook")
    {
        var decision = RetryApprovalDecision.Create(d.DeliveryId, provider, state, "alice", _f.Clock.GetUtcNow(), validFor);
        NotificationLedger.Append(_f.Ledger, new INotificationRecord[] { decision });
        _f.Clock.Advance(TimeSpan.FromMinutes(1));
        return decision;
    }

    private RetryExecutionRecord Retry(DeliveryRecord d, Evidence.RollbackDrillSchedule? schedule = null) =>
        DeliveryRetry.Execute(_f.Ledger, d.DeliveryId, "bob", _config, _f.Clock, schedule);

    private NotificationLedgerContents Ledger() => NotificationLedger.Read(new InputFiles(_f.Dir), _f.Ledger);

    private RetryNotAuthorizedException Refused(DeliveryRecord d)
    {
        int requests = _receiver.Requests.Count;
        int lines = Ledger().Records.Count;
        var e = Assert.Throws<RetryNotAuthorizedException>(() => Retry(d));
        Assert.Equal(requests, _receiver.Requests.Count); // nothing was sent
        var ledger = Ledger();
        Assert.Equal(lines + 1, ledger.Records.Count);     // only the skipped record was written
        var skipped = Assert.IsType<RetryExecutionRecord>(ledger.Records[^1]);
        Assert.Equal(e.Record.ExecutionId, skipped.ExecutionId);
        Assert.Equal(("skipped", d.DeliveryId, "webhook", "bob", 0, (int?)null), (skipped.ExecutionStatus, skipped.DeliveryId, skipped.Provider,
            skipped.ExecutedBy, skipped.AttemptCount, skipped.StatusCode));
        Assert.Empty(skipped.EvidenceRefs);
        Assert.True(skipped.HashValid);
        Assert.Equal($"live retry of delivery {d.DeliveryId} refused: {skipped.Reason}", e.Message);
        return e;
    }

    [Fact]
    public void Without_an_approval_the_retry_is_refused_with_a_skipped_record()
    {
        var d = Failed();
        var e = Refused(d);
        Assert.Equal(("", $"no retry approval is recorded for delivery {d.DeliveryId} to webhook"), (e.Record.ApprovalDecisionId, e.Record.Reason));
        Assert.Equal("2026-11-26T12:01:00+00:00", e.Record.ExecutedAt);
    }

    [Fact]
    public void An_approval_for_another_provider_does_not_count()
    {
        var d = Failed();
        Decide(d, "approved", provider: "slack");
        Assert.Equal("", Refused(d).Record.ApprovalDecisionId);
    }

    [Fact]
    public void A_later_denial_revokes_the_approval()
    {
        var d = Failed();
        Decide(d, "approved");
        var denial = Decide(d, "denied");
        var e = Refused(d);
        Assert.Equal(denial.DecisionId, e.Record.ApprovalDecisionId);
        Assert.Equal($"the latest decision for delivery {d.DeliveryId} to webhook is denied ({denial.DecisionId}, by alice at {denial.DecidedAt})", e.Record.Reason);
    }

    [Fact]
    public void An_expired_approval_is_refused_and_a_new_one_is_accepted()
    {
        var d = Failed();
        var approval = Decide(d, "approved", TimeSpan.FromHours(1));
        _f.Clock.Advance(TimeSpan.FromHours(1));
        var e = Refused(d);
        Assert.Equal(approval.DecisionId, e.Record.ApprovalDecisionId);
        Assert.Equal($"the approval {approval.DecisionId} for delivery {d.DeliveryId} to webhook expired at {approval.ExpiresAt}; record a new approval to retry",
            e.Record.Reason);

        var renewed = Decide(d, "approved");
        var execution = Retry(d);
        Assert.Equal(("delivered", renewed.DecisionId), (execution.ExecutionStatus, execution.ApprovalDecisionId));
    }

    [Fact]
    public void A_current_approval_redelivers_the_route_and_appends_the_delivery_and_its_execution()
    {
        var d = Failed();
        var approval = Decide(d, "approved");
        var execution = Retry(d);

        var ledger = Ledger();
        var retry = ledger.Deliveries[^1];
        Assert.Equal((true, d.DeliveryId, 1, (int?)200, "2026-11-26T12:02:00+00:00"), (retry.Success, retry.RetryOf, retry.AttemptCount, retry.StatusCode, retry.AttemptedAt));
        Assert.Equal((d.PlanId, d.RouteKey, d.ScheduleId, d.Owner, d.Provider), (retry.PlanId, retry.RouteKey, retry.ScheduleId, retry.Owner, retry.Provider));
        Assert.Equal(new INotificationRecord[] { retry, execution }.Select(r => r.RecordType), ledger.Records.TakeLast(2).Select(r => r.RecordType));
        Assert.Equal(execution.ExecutionId, ledger.Executions[^1].ExecutionId);
        Assert.Equal(("delivered", approval.DecisionId, "bob", "", 1, (int?)200), (execution.ExecutionStatus, execution.ApprovalDecisionId, execution.ExecutedBy,
            execution.Reason, execution.AttemptCount, execution.StatusCode));
        Assert.Equal(new[] { retry.DeliveryId }, execution.EvidenceRefs);
        Assert.True(execution.HashValid);

        // The receiver got the same route again, marked as a retry, with the secret header; the ledger never holds the secret.
        var body = (Cavra.Gate.Json.JsonObject)StrictJsonParser.Parse(_receiver.Requests[^1].Body);
        Assert.Equal((d.DeliveryId, d.RouteKey, d.PlanId, "needs_attention"),
            (((JsonString)body.Get("retry_of")!).Value, ((JsonString)body.Get("route_key")!).Value, ((JsonString)body.Get("plan_id")!).Value,
             ((JsonString)body.Get("schedule_status")!).Value));
        Assert.Equal(Secret, _receiver.Requests[^1].Headers["Authorization"]);
        Assert.DoesNotContain(Secret, File.ReadAllText(_f.Ledger));

        // The provider has recovered, and there is nothing left to retry.
        var state = Assert.Single(ConnectorRecoveryState.Compute(Ledger(), _f.Clock.GetUtcNow()));
        Assert.Equal(("webhook", 0), (state.Provider, state.OpenFailures));
        var again = Assert.Throws<DeliveryAlreadySucceededException>(() => Retry(d));
        Assert.Equal($"delivery {d.DeliveryId} was already delivered by live retry {retry.DeliveryId} at {retry.DeliveredAt}", again.Message);
    }

    [Fact]
    public async Task Two_retries_started_together_send_once()
    {
        var d = Failed();
        Decide(d, "approved");
        // The first retry's request is held at the receiver until a second request arrives (which only happens when both
        // retries send: the bug) or two seconds pass. With the retry lock the second waits, re-reads the ledger, and refuses.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _receiver.Then(Reply.HoldUntil(release.Task));
        var retries = new[] { Task.Run(() => Retry(d)), Task.Run(() => Retry(d)) };
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (_receiver.Requests.Count < 3 && waited.Elapsed < TimeSpan.FromSeconds(2)) await Task.Delay(10);
        release.TrySetResult();
        await Task.WhenAny(Task.WhenAll(retries)); // completes when both have, whether they threw or not

        Assert.Equal(2, _receiver.Requests.Count); // the failure and one retry
        var delivered = Assert.Single(retries, t => t.Status == TaskStatus.RanToCompletion);
        Assert.Equal("delivered", (await delivered).ExecutionStatus);
        var refused = Assert.Single(retries, t => t.IsFaulted);
        Assert.IsType<DeliveryAlreadySucceededException>(refused.Exception!.InnerException);
        Assert.Single(Ledger().Executions);
        Assert.Equal(2, Ledger().Deliveries.Count);
    }

    [Fact]
    public void A_retry_that_fails_again_is_a_failed_execution_and_the_approval_still_allows_another()
    {
        var d = Failed();
        Decide(d, "approved");
        _receiver.Then(Reply.Code(502));
        var failedAgain = Retry(d);
        Assert.Equal(("failed", 1, (int?)502), (failedAgain.ExecutionStatus, failedAgain.AttemptCount, failedAgain.StatusCode));
        Assert.Equal($"http_502 after 1 attempt to webhook at http://127.0.0.1:{_receiver.BaseUri.Port}/hook", failedAgain.Reason);
        var retryDelivery = Ledger().Deliveries[^1];
        Assert.Equal((false, d.DeliveryId), (retryDelivery.Success, retryDelivery.RetryOf));
        Assert.Equal(new[] { retryDelivery.DeliveryId }, failedAgain.EvidenceRefs);
        Assert.Equal(1, Assert.Single(ConnectorRecoveryState.Compute(Ledger(), _f.Clock.GetUtcNow())).OpenFailures);

        // A retry of the retry is refused: approvals and executions belong to the original failure.
        Assert.Contains("is itself a live retry of", Assert.Throws<ArgumentException>(
            () => DeliveryRetry.Execute(_f.Ledger, retryDelivery.DeliveryId, "bob", _config, _f.Clock)).Message);

        // The same retry again at the same instant would reuse the delivery id: refused before anything is sent or written.
        int requests = _receiver.Requests.Count, lines = Ledger().Records.Count;
        Assert.EndsWith("nothing was sent", Assert.Throws<InvalidOperationException>(() => Retry(d)).Message);
        Assert.Equal((requests, lines), (_receiver.Requests.Count, Ledger().Records.Count));

        _f.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("delivered", Retry(d).ExecutionStatus);
        Assert.Equal(0, Assert.Single(ConnectorRecoveryState.Compute(Ledger(), _f.Clock.GetUtcNow())).OpenFailures);
    }

    [Fact]
    public void With_the_schedule_the_retry_tells_the_current_state()
    {
        var d = Failed();
        Decide(d, "approved");
        var doc = ScheduleJson();
        doc["next_due_at"] = Cavra.Gate.Time.IsoTimestamp.Format(Now.AddDays(-2));
        doc["owner_routes"] = new JsonObject { ["release-governance"] = new JsonObject { ["acknowledgement_minutes"] = 15, ["escalation_owner"] = "cto" } };
        Retry(d, _f.Schedule(doc));
        var body = (Cavra.Gate.Json.JsonObject)StrictJsonParser.Parse(_receiver.Requests[^1].Body);
        string Text(string key) => body.Get(key) is JsonString s ? s.Value : body.Get(key)!.ToString()!;
        Assert.Equal(("overdue", Cavra.Gate.Time.IsoTimestamp.Format(Now.AddDays(-2)), "15", "cto", "production-pilot", d.DeliveryId),
            (Text("schedule_status"), Text("next_due_at"), Text("acknowledgement_minutes"), Text("escalation_owner"), Text("environment"), Text("retry_of")));

        var other = ScheduleJson();
        other["schedule_id"] = "another";
        var d2 = Failed();
        Assert.Equal($"the schedule given is another, but delivery {d2.DeliveryId} notified about go_backend_python_fallback_monthly (Parameter 'schedule')",
            Assert.Throws<ArgumentException>(() => Retry(d2, _f.Schedule(other))).Message);
    }

    [Fact]
    public void Unknown_and_successful_deliveries_are_refused_without_writing()
    {
        Failed();
        string before = File.ReadAllText(_f.Ledger);
        var missing = Assert.Throws<DeliveryNotFoundException>(() => DeliveryRetry.Execute(_f.Ledger, "gordelivery-0000000000000000", "bob", _config, _f.Clock));
        Assert.Equal($"the notification ledger {_f.Ledger} holds no delivery gordelivery-0000000000000000", missing.Message);
        Assert.Equal(before, File.ReadAllText(_f.Ledger));

        var ok = Assert.Single(DrillNotifier.Send(_f.Plan(ScheduleJson()), _config, _f.Ledger, _f.Clock));
        Assert.True(ok.Success);
        before = File.ReadAllText(_f.Ledger);
        var done = Assert.Throws<DeliveryAlreadySucceededException>(() => DeliveryRetry.Execute(_f.Ledger, ok.DeliveryId, "bob", _config, _f.Clock));
        Assert.Equal($"delivery {ok.DeliveryId} succeeded at {ok.DeliveredAt}; there is nothing to retry", done.Message);
        Assert.Equal(before, File.ReadAllText(_f.Ledger));
        Assert.Throws<ArgumentException>(() => DeliveryRetry.Execute(_f.Ledger, ok.DeliveryId, " ", _config, _f.Clock));
    }

    [Fact]
    public void A_provider_no_longer_configured_makes_a_failed_execution_not_an_exception()
    {
        var d = Failed();
        Decide(d, "approved");
        var slackOnly = _f.Config(Connector("slack", _receiver.Url()));
        var execution = DeliveryRetry.Execute(_f.Ledger, d.DeliveryId, "bob", slackOnly, _f.Clock);
        Assert.Equal(("failed", "no connector configured for provider webhook", 0), (execution.ExecutionStatus, execution.Reason, execution.AttemptCount));
    }
}
