using Cavra.Gate.FileSystem;
using Cavra.Gate.Notifications;
using Microsoft.Extensions.Time.Testing;

namespace Cavra.Gate.Tests.Notifications;

public sealed class RecoveryTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("cavra-recovery-").FullName;
    private string Ledger => Path.Combine(_dir, "notifications.jsonl");
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private NotificationLedgerContents Write(params INotificationRecord[] records)
    {
        if (records.Length > 0) NotificationLedger.Append(Ledger, records);
        return NotificationLedger.Read(new InputFiles(_dir), Ledger);
    }

    private static DeliveryRecord Failed(string provider, DateTimeOffset at, string retryOf = "", string route = "gordroute-1") =>
        RecordsTests.Failed(provider, at, retryOf, route);

    private static DeliveryRecord Delivered(string provider, DateTimeOffset at, string retryOf = "") =>
        DeliveryRecord.Create("gordn-1", "gordroute-1", "s", "o", provider, "e", new[] { new DeliveryAttempt(1, 200, "", at, 3) }, true, at, at, "", retryOf);

    private static RetryApprovalDecision Decide(DeliveryRecord d, string state, DateTimeOffset at, TimeSpan? validFor = null, string? provider = null) =>
        RetryApprovalDecision.Create(d.DeliveryId, provider ?? d.Provider, state, "alice", at, validFor);

    private static RetryExecutionRecord Executed(DeliveryRecord d, RetryApprovalDecision? a, string status, DateTimeOffset at, params string[] evidence) =>
        RetryExecutionRecord.Create(d.DeliveryId, d.Provider, a?.DecisionId ?? "", status, "bob", at, evidence, status == "delivered" ? "" : "it failed");

    // --- RetryAuthorization ---

    [Fact]
    public void No_decision_is_not_authorized()
    {
        var d = Failed("slack", T0);
        var r = RetryAuthorization.Evaluate(Write(d), d.DeliveryId, "slack", T0.AddMinutes(1));
        Assert.False(r.Authorized);
        Assert.Null(r.Decision);
        Assert.Equal($"no retry approval is recorded for delivery {d.DeliveryId} to slack", r.Reason);
    }

    [Fact]
    public void A_current_approval_authorizes_until_it_expires()
    {
        var d = Failed("slack", T0);
        var a = Decide(d, "approved", T0.AddMinutes(5), TimeSpan.FromHours(1));
        var ledger = Write(d, a);
        var clock = new FakeTimeProvider(T0.AddMinutes(10));
        var r = RetryAuthorization.Evaluate(ledger, d.DeliveryId, "slack", clock.GetUtcNow());
        Assert.True(r.Authorized);
        Assert.Equal(a.DecisionId, r.Decision!.DecisionId);
        Assert.Equal($"approved by alice at 2026-03-01T12:05:00+00:00 ({a.DecisionId}), valid until 2026-03-01T13:05:00+00:00", r.Reason);

        clock.Advance(TimeSpan.FromMinutes(55)); // exactly at expires_at: lapsed
        r = RetryAuthorization.Evaluate(ledger, d.DeliveryId, "slack", clock.GetUtcNow());
        Assert.False(r.Authorized);
        Assert.Equal($"the approval {a.DecisionId} for delivery {d.DeliveryId} to slack expired at 2026-03-01T13:05:00+00:00; record a new approval to retry", r.Reason);
    }

    [Theory]
    [InlineData("denied")]
    [InlineData("deferred")]
    [InlineData("expired")]
    public void A_later_denial_deferral_or_expiry_revokes_an_approval(string state)
    {
        var d = Failed("slack", T0);
        var a = Decide(d, "approved", T0.AddMinutes(1));
        var later = Decide(d, state, T0.AddMinutes(2));
        var r = RetryAuthorization.Evaluate(Write(d, a, later), d.DeliveryId, "slack", T0.AddMinutes(3));
        Assert.False(r.Authorized);
        Assert.Equal(later.DecisionId, r.Decision!.DecisionId);
        Assert.Equal($"the latest decision for delivery {d.DeliveryId} to slack is {state} ({later.DecisionId}, by alice at 2026-03-01T12:02:00+00:00)", r.Reason);
    }

    [Fact]
    public void The_last_line_wins_whatever_clock_dated_it()
    {
        var d = Failed("slack", T0);
        var approved = Decide(d, "approved", T0.AddMinutes(5));
        // Recorded after the approval by a host whose clock lags: it is still the later decision.
        var denied = Decide(d, "denied", T0.AddMinutes(1));
        var r = RetryAuthorization.Evaluate(Write(d, approved, denied), d.DeliveryId, "slack", T0.AddMinutes(6));
        Assert.False(r.Authorized);
        Assert.Equal(denied.DecisionId, r.Decision!.DecisionId);
        Assert.Equal(denied.DecisionId, RetryAuthorization.Latest(NotificationLedger.Read(new InputFiles(_dir), Ledger), d.DeliveryId, "slack")!.DecisionId);

        var again = Decide(d, "approved", T0.AddMinutes(2));
        Assert.True(RetryAuthorization.Evaluate(Write(again), d.DeliveryId, "slack", T0.AddMinutes(6)).Authorized);
    }

    [Fact]
    public void An_approval_dated_in_the_future_does_not_authorize()
    {
        var d = Failed("slack", T0);
        var future = Decide(d, "approved", T0.AddHours(1));
        var ledger = Write(d, future);
        var r = RetryAuthorization.Evaluate(ledger, d.DeliveryId, "slack", T0);
        Assert.False(r.Authorized);
        Assert.Equal($"the approval {future.DecisionId} for delivery {d.DeliveryId} to slack is dated 2026-03-01T13:00:00+00:00, in the future; record a new approval to retry",
            r.Reason);
        // Within the five minutes of clock skew the recorder also tolerates, it counts.
        Assert.True(RetryAuthorization.Evaluate(ledger, d.DeliveryId, "slack", T0.AddMinutes(55)).Authorized);
    }

    [Fact]
    public void Approvals_for_another_provider_or_delivery_do_not_count()
    {
        var d = Failed("slack", T0);
        var other = Failed("slack", T0.AddMinutes(1));
        var ledger = Write(d, other, Decide(d, "approved", T0, provider: "teams"), Decide(other, "approved", T0.AddMinutes(2)));
        var r = RetryAuthorization.Evaluate(ledger, d.DeliveryId, "slack", T0.AddMinutes(3));
        Assert.False(r.Authorized);
        Assert.Null(r.Decision);
        Assert.True(RetryAuthorization.Evaluate(ledger, other.DeliveryId, "slack", T0.AddMinutes(3)).Authorized);
    }

    [Fact]
    public void Lookups_follow_the_lists_when_they_grow_after_a_first_evaluation()
    {
        var d = Failed("slack", T0);
        var ledger = Write(d, Decide(d, "approved", T0));
        Assert.True(RetryAuthorization.Evaluate(ledger, d.DeliveryId, "slack", T0.AddMinutes(1)).Authorized);
        ledger.Decisions.Add(Decide(d, "denied", T0.AddMinutes(1)));
        Assert.False(RetryAuthorization.Evaluate(ledger, d.DeliveryId, "slack", T0.AddMinutes(2)).Authorized);
    }

    [Fact]
    public void An_edited_decision_does_not_authorize()
    {
        var d = Failed("slack", T0);
        var a = Decide(d, "approved", T0);
        Write(d);
        File.AppendAllText(Ledger, NotificationRecords.ToLine(a).Replace("\"alice\"", "\"mallory\"") + "\n");
        var r = RetryAuthorization.Evaluate(NotificationLedger.Read(new InputFiles(_dir), Ledger), d.DeliveryId, "slack", T0.AddMinutes(1));
        Assert.False(r.Authorized);
        Assert.Equal($"the latest decision for delivery {d.DeliveryId} to slack ({a.DecisionId}) does not match its fields: the line was edited", r.Reason);
    }

    // --- ConnectorRecoveryClosure.Verify ---

    [Fact]
    public void A_closure_needs_a_delivered_verified_execution_of_the_same_provider()
    {
        var d = Failed("slack", T0);
        var a = Decide(d, "approved", T0.AddMinutes(1));
        var retry = Delivered("slack", T0.AddMinutes(2), d.DeliveryId);
        var ok = Executed(d, a, "delivered", T0.AddMinutes(2), retry.DeliveryId);
        var failed = Executed(d, a, "failed", T0.AddMinutes(3));
        var skipped = Executed(d, null, "skipped", T0.AddMinutes(4));
        var t = Failed("teams", T0);
        var teamsOk = Executed(t, Decide(t, "approved", T0), "delivered", T0.AddMinutes(5));
        var ledger = Write(d, a, retry, ok, failed, skipped, t, teamsOk);

        Assert.Null(ConnectorRecoveryClosure.Verify(ledger, "slack", new[] { ok.ExecutionId }));
        Assert.Equal("a closure of slack must cite at least one delivered retry execution of slack (-VerificationRef <execution id>)",
            ConnectorRecoveryClosure.Verify(ledger, "slack", Array.Empty<string>()));
        Assert.Equal("a closure of slack must cite at least one delivered retry execution of slack (-VerificationRef <execution id>)",
            ConnectorRecoveryClosure.Verify(ledger, "slack", new[] { " ", "" }));
        Assert.Equal($"the ledger {Ledger} holds no retry execution gordackretryexec-nope, gordackretryexec-gone; a closure may cite only recorded executions",
            ConnectorRecoveryClosure.Verify(ledger, "slack", new[] { ok.ExecutionId, "gordackretryexec-nope", "gordackretryexec-gone" }));
        Assert.Equal($"a closure of slack may cite only delivered retry executions of slack that verify: {failed.ExecutionId} (failed, not delivered); "
            + $"{skipped.ExecutionId} (skipped, not delivered)",
            ConnectorRecoveryClosure.Verify(ledger, "slack", new[] { failed.ExecutionId, skipped.ExecutionId }));
        Assert.Equal($"a closure of slack may cite only delivered retry executions of slack that verify: {teamsOk.ExecutionId} (a retry to teams, not slack)",
            ConnectorRecoveryClosure.Verify(ledger, "slack", new[] { teamsOk.ExecutionId }));
        Assert.Equal($"a closure of slack may cite only delivered retry executions of slack that verify: {failed.ExecutionId} (failed, not delivered)",
            ConnectorRecoveryClosure.Verify(ledger, "slack", new[] { ok.ExecutionId, failed.ExecutionId }));
        Assert.Equal("a closure must name the provider it closes", ConnectorRecoveryClosure.Verify(ledger, "", new[] { ok.ExecutionId }));
    }

    [Fact]
    public void A_closure_citing_an_edited_execution_is_refused()
    {
        var d = Failed("slack", T0);
        var ok = Executed(d, Decide(d, "approved", T0), "failed", T0.AddMinutes(2));
        Write(d);
        // Someone turns a failed retry into a delivered one by hand: the hash no longer verifies.
        File.AppendAllText(Ledger, NotificationRecords.ToLine(ok).Replace("\"failed\"", "\"delivered\"") + "\n");
        var ledger = NotificationLedger.Read(new InputFiles(_dir), Ledger);
        Assert.Equal($"a closure of slack may cite only delivered retry executions of slack that verify: {ok.ExecutionId} (its hash does not verify: the line was edited)",
            ConnectorRecoveryClosure.Verify(ledger, "slack", new[] { ok.ExecutionId }));
    }

    // --- ConnectorRecoveryState.Compute ---

    private static ConnectorRecoveryState State(NotificationLedgerContents ledger, string provider, DateTimeOffset now) =>
        Assert.Single(ConnectorRecoveryState.Compute(ledger, now), s => s.Provider == provider);

    [Fact]
    public void An_empty_ledger_has_no_providers()
    {
        Assert.Empty(ConnectorRecoveryState.Compute(Write(), T0));
    }

    [Fact]
    public void Failures_stay_open_until_a_delivered_retry_and_approvals_are_counted_per_open_failure()
    {
        var s1 = Failed("slack", T0, route: "gordroute-1");
        var s2 = Failed("slack", T0, route: "gordroute-2");
        var s3 = Failed("slack", T0, route: "gordroute-3");
        var w = Delivered("webhook", T0);
        var a1 = Decide(s1, "approved", T0.AddMinutes(1));
        var a2 = Decide(s2, "approved", T0.AddMinutes(1), TimeSpan.FromMinutes(5));
        var retry1 = Delivered("slack", T0.AddMinutes(2), s1.DeliveryId);
        var e1 = Executed(s1, a1, "delivered", T0.AddMinutes(2), retry1.DeliveryId);
        var failedRetry2 = Failed("slack", T0.AddMinutes(3), s2.DeliveryId, "gordroute-2");
        var e2 = Executed(s2, a2, "failed", T0.AddMinutes(3), failedRetry2.DeliveryId);
        var e3 = Executed(s3, null, "skipped", T0.AddMinutes(4));
        var ledger = Write(s1, s2, s3, w, a1, a2, retry1, e1, failedRetry2, e2, e3);

        var states = ConnectorRecoveryState.Compute(ledger, T0.AddMinutes(4));
        Assert.Equal(new[] { "slack", "webhook" }, states.Select(s => s.Provider));
        var slack = states[0];
        Assert.Equal(5, slack.Deliveries);
        Assert.Equal(3, slack.Failures);
        Assert.Equal(2, slack.OpenFailures);
        Assert.Equal(new[] { s2.DeliveryId, s3.DeliveryId }, slack.OpenDeliveryIds);
        Assert.Equal(1, slack.ApprovedRetries);   // s2's approval is still current at +4 min
        Assert.Equal(1, slack.UnapprovedRetries); // s3 has none
        Assert.Equal(3, slack.Executions);
        Assert.Equal(1, slack.DeliveredExecutions);
        Assert.Equal("2026-03-01T12:03:00+00:00", slack.LatestFailureAt);
        Assert.False(slack.Recovered);
        Assert.Equal("", slack.ClosureState);

        // Six minutes later s2's approval has lapsed.
        var later = State(ledger, "slack", T0.AddMinutes(7));
        Assert.Equal((0, 2), (later.ApprovedRetries, later.UnapprovedRetries));

        var webhook = states[1];
        Assert.True(webhook.Recovered);
        Assert.Equal((1, 0, ""), (webhook.Deliveries, webhook.Failures, webhook.LatestFailureAt));
        Assert.Equal("{\"provider\":\"webhook\",\"deliveries\":1,\"failures\":0,\"open_failures\":0,\"open_delivery_ids\":[],\"approved_retries\":0,"
            + "\"unapproved_retries\":0,\"executions\":0,\"delivered_executions\":0,\"closure_state\":\"\",\"closure_id\":\"\",\"latest_failure_at\":\"\","
            + "\"recovered\":true}", Serialization.CanonicalJsonWriter.Serialize(webhook, indented: false));
    }

    [Fact]
    public void A_delivered_retry_of_a_failed_retry_recovers_the_first_send()
    {
        var first = Failed("slack", T0);
        var retry = Failed("slack", T0.AddMinutes(1), first.DeliveryId);
        var a = Decide(retry, "approved", T0.AddMinutes(2));
        var e = Executed(retry, a, "delivered", T0.AddMinutes(3));
        var state = State(Write(first, retry, a, e), "slack", T0.AddMinutes(4));
        Assert.Equal((1, 0), (state.Failures, state.OpenFailures));
    }

    [Fact]
    public void An_edited_delivered_execution_does_not_recover()
    {
        var d = Failed("slack", T0);
        var a = Decide(d, "approved", T0);
        var e = Executed(d, a, "failed", T0.AddMinutes(1));
        Write(d, a);
        File.AppendAllText(Ledger, NotificationRecords.ToLine(e).Replace("\"failed\"", "\"delivered\"") + "\n");
        var state = State(NotificationLedger.Read(new InputFiles(_dir), Ledger), "slack", T0.AddMinutes(2));
        Assert.Equal((1, 0), (state.OpenFailures, state.DeliveredExecutions));
    }

    [Fact]
    public void A_closing_closure_covers_earlier_failures_a_later_failure_reopens_and_reopened_undoes_it()
    {
        var old = Failed("slack", T0, route: "gordroute-1");
        var other = Failed("slack", T0, route: "gordroute-2");
        var a = Decide(other, "approved", T0.AddMinutes(1));
        var e = Executed(other, a, "delivered", T0.AddMinutes(2));
        var resolved = ConnectorRecoveryClosure.Create("slack", "resolved", "carol", T0.AddMinutes(10), new[] { e.ExecutionId }, "INC-1");
        var ledger = Write(old, other, a, e, resolved);
        var s = State(ledger, "slack", T0.AddMinutes(11));
        Assert.Equal((2, 0, "resolved", resolved.ClosureId), (s.Failures, s.OpenFailures, s.ClosureState, s.ClosureId));
        Assert.True(s.Recovered);

        var after = Failed("slack", T0.AddMinutes(20), route: "gordroute-3");
        s = State(Write(after), "slack", T0.AddMinutes(21));
        Assert.Equal(new[] { after.DeliveryId }, s.OpenDeliveryIds);

        var escalated = ConnectorRecoveryClosure.Create("slack", "escalated", "carol", T0.AddMinutes(22), Array.Empty<string>());
        s = State(Write(escalated), "slack", T0.AddMinutes(23));
        Assert.Equal(("escalated", 1), (s.ClosureState, s.OpenFailures)); // escalated neither closes nor undoes

        var reopened = ConnectorRecoveryClosure.Create("slack", "reopened", "carol", T0.AddMinutes(30), Array.Empty<string>());
        s = State(Write(reopened), "slack", T0.AddMinutes(31));
        Assert.Equal("reopened", s.ClosureState);
        Assert.Equal(new[] { old.DeliveryId, after.DeliveryId }, s.OpenDeliveryIds);

        var mitigated = ConnectorRecoveryClosure.Create("slack", "mitigated", "carol", T0.AddMinutes(40), new[] { e.ExecutionId });
        s = State(Write(mitigated), "slack", T0.AddMinutes(41));
        Assert.Equal(("mitigated", 0), (s.ClosureState, s.OpenFailures));
    }

    [Fact]
    public void A_closure_that_does_not_verify_closes_nothing()
    {
        var d = Failed("slack", T0);
        var t = Failed("teams", T0);
        var teamsOk = Executed(t, Decide(t, "approved", T0), "delivered", T0.AddMinutes(1));
        // Hand-written closures: one cites another provider's retry, one was edited after it was recorded.
        var wrongRefs = ConnectorRecoveryClosure.Create("slack", "resolved", "carol", T0.AddMinutes(5), new[] { teamsOk.ExecutionId });
        var ledger = Write(d, t, teamsOk, wrongRefs);
        Assert.Equal(1, State(ledger, "slack", T0.AddMinutes(6)).OpenFailures);
        Assert.Equal("resolved", State(ledger, "slack", T0.AddMinutes(6)).ClosureState);

        var s = Failed("slack", T0, route: "gordroute-9");
        var sApproval = Decide(s, "approved", T0);
        var sOk = Executed(s, sApproval, "delivered", T0.AddMinutes(1));
        var good = ConnectorRecoveryClosure.Create("slack", "resolved", "carol", T0.AddMinutes(7), new[] { sOk.ExecutionId });
        Write(s, sApproval, sOk);
        File.AppendAllText(Ledger, NotificationRecords.ToLine(good).Replace("\"carol\"", "\"mallory\"") + "\n");
        // Its refs verify (s was retried), so only the closure's own hash keeps d open: unedited, it would close d too.
        var state = State(NotificationLedger.Read(new InputFiles(_dir), Ledger), "slack", T0.AddMinutes(8));
        Assert.Equal(new[] { d.DeliveryId }, state.OpenDeliveryIds);
    }

    [Fact]
    public void A_delivered_execution_counts_only_when_bound_to_an_approval_current_when_it_ran()
    {
        var d = Failed("slack", T0);
        var unrecorded = Decide(d, "approved", T0);                      // never written to the ledger
        var denied = Decide(d, "denied", T0.AddMinutes(1));
        var shortApproval = Decide(d, "approved", T0.AddMinutes(2), TimeSpan.FromMinutes(10));
        var noApproval = Executed(d, unrecorded, "delivered", T0.AddMinutes(3));
        var underDenial = Executed(d, denied, "delivered", T0.AddMinutes(4));
        var tooLate = Executed(d, shortApproval, "delivered", T0.AddMinutes(12)); // exactly at expires_at
        var ledger = Write(d, denied, shortApproval, noApproval, underDenial, tooLate);

        var s = State(ledger, "slack", T0.AddMinutes(13));
        Assert.Equal((1, 3, 0), (s.OpenFailures, s.Executions, s.DeliveredExecutions));
        Assert.Equal($"a closure of slack may cite only delivered retry executions of slack that verify: "
            + $"{noApproval.ExecutionId} (not bound to an approval: the ledger holds no approved decision '{unrecorded.DecisionId}' for {d.DeliveryId} to slack); "
            + $"{underDenial.ExecutionId} (not bound to an approval: the ledger holds no approved decision '{denied.DecisionId}' for {d.DeliveryId} to slack); "
            + $"{tooLate.ExecutionId} (executed at 2026-03-01T12:12:00+00:00, outside its approval {shortApproval.DecisionId} (2026-03-01T12:02:00+00:00 to 2026-03-01T12:12:00+00:00))",
            ConnectorRecoveryClosure.Verify(ledger, "slack", new[] { noApproval.ExecutionId, underDenial.ExecutionId, tooLate.ExecutionId }));

        var inTime = Executed(d, shortApproval, "delivered", T0.AddMinutes(11));
        var after = State(Write(inTime), "slack", T0.AddMinutes(13));
        Assert.Equal((0, 1), (after.OpenFailures, after.DeliveredExecutions));
    }

    [Fact]
    public void A_closure_dated_in_the_future_covers_nothing_until_its_time()
    {
        var d = Failed("slack", T0, route: "gordroute-1");
        var other = Failed("slack", T0, route: "gordroute-2");
        var a = Decide(other, "approved", T0);
        var e = Executed(other, a, "delivered", T0.AddMinutes(1));
        var future = ConnectorRecoveryClosure.Create("slack", "resolved", "carol", T0.AddDays(1), new[] { e.ExecutionId });
        var ledger = Write(d, other, a, e, future);
        Assert.Equal(new[] { d.DeliveryId }, State(ledger, "slack", T0.AddMinutes(2)).OpenDeliveryIds);
        Assert.Equal("resolved", State(ledger, "slack", T0.AddMinutes(2)).ClosureState);
        Assert.Empty(State(ledger, "slack", T0.AddDays(1)).OpenDeliveryIds);
    }

    [Fact]
    public void Providers_seen_only_in_decisions_or_closures_are_listed()
    {
        var d = Failed("slack", T0);
        var ledger = Write(Decide(d, "denied", T0, provider: "jira"),
            ConnectorRecoveryClosure.Create("servicenow", "deferred", "carol", T0, Array.Empty<string>()));
        Assert.Equal(new[] { "jira", "servicenow" }, ConnectorRecoveryState.Compute(ledger, T0).Select(s => s.Provider));
        Assert.All(ConnectorRecoveryState.Compute(ledger, T0), s => Assert.True(s.Recovered));
    }
}
