using Cavra.Gate.Configuration;
using Cavra.Gate.Notifications;
using Cavra.Gate.Readiness;
using Cavra.Gate.Serialization;
using static Cavra.Gate.Tests.Rollback.RollbackFixture;

namespace Cavra.Gate.Tests.Notifications;

/// <summary>go_rollback_drill_notification_recovery in the schedule report, the gate's schedule step and production readiness.</summary>
public sealed class RecoveryGateTests : IDisposable
{
    private const string Id = "go_rollback_drill_notification_recovery";
    private readonly EvidenceSet _set = new();
    public void Dispose() => _set.Dispose();

    private static readonly DateTimeOffset Now = EvidenceSet.Now; // the set's pinned clock; records are dated relative to it
    private string Connectors => _set.PathOf("connectors.json");
    private string Ledger => _set.PathOf("notifications.jsonl");

    private GateParameters Parameters(bool withConnectors = true, bool withLedger = true)
    {
        var p = _set.Parameters();
        if (withConnectors) p.ConnectorConfigPath = Connectors;
        if (withLedger) p.NotificationLedgerPath = Ledger;
        return p;
    }

    private void WriteConnectors() =>
        File.WriteAllText(Connectors, "{\"connectors\": [{\"provider\": \"slack\", \"url\": \"https://hooks.example.invalid/x\"}]}");

    private RollbackDrillScheduleReport Report(GateParameters? p = null) => RollbackDrillScheduleReport.Evaluate(_set.Context(p ?? Parameters()));

    private static DeliveryRecord Failed(string provider, DateTimeOffset at, string route = "gordroute-1") => RecordsTests.Failed(provider, at, "", route);

    private void Append(params INotificationRecord[] records) => NotificationLedger.Append(Ledger, records);

    private static void AssertProviders(ReadinessCheck check, params (string Provider, int Open)[] expected)
    {
        var states = Assert.IsAssignableFrom<IEnumerable<ConnectorRecoveryState>>(check["providers"]);
        Assert.Equal(expected, states.Select(s => (s.Provider, s.OpenFailures)));
    }

    [Fact]
    public void Without_a_connector_config_the_check_is_absent_and_the_report_is_unchanged()
    {
        WriteConnectors();
        var r = Report(Parameters(withConnectors: false));
        Assert.DoesNotContain(r.Checks, c => c.Id == Id);
        Assert.Null(r.NotificationRecovery);
        Assert.Equal(7, r.Checks.Count);
        Assert.True(r.GatePassed);
    }

    [Fact]
    public void Without_a_schedule_the_check_is_absent_even_with_connectors()
    {
        WriteConnectors();
        var p = Parameters();
        p.RollbackDrillSchedulePath = "";
        Assert.DoesNotContain(Report(p).Checks, c => c.Id == Id);
    }

    [Fact]
    public void A_missing_ledger_passes_saying_nothing_was_delivered()
    {
        WriteConnectors();
        var r = Report();
        Assert.Equal(Id, r.Checks[^1].Id);
        AssertCheck(r, Id, CheckStatus.Pass, "No drill notification delivery is recorded yet: the notification ledger does not exist.",
            ("path", Ledger), ("open_failures", 0), ("providers", Array.Empty<object>()));
        Assert.True(r.GatePassed);
        Assert.Equal(ReportStatus.Ready, r.Status);
    }

    [Fact]
    public void Open_failures_fail_the_check_naming_providers_and_counts_while_the_status_rule_stays_upstreams()
    {
        WriteConnectors();
        Append(Failed("slack", Now.AddHours(-2), "gordroute-1"), Failed("slack", Now.AddHours(-2), "gordroute-2"),
            Failed("teams", Now.AddHours(-1)), Failed("webhook", Now.AddHours(-1)));
        var r = Report();
        var check = Check(r, Id);
        Assert.Equal(CheckStatus.Warn, check.Status);
        Assert.Equal("drill notification deliveries failed and are neither retried successfully nor closed: slack (2 open), teams (1 open), webhook (1 open)",
            check.Message);
        Assert.Equal(4, check["open_failures"]);
        AssertProviders(check, ("slack", 2), ("teams", 1), ("webhook", 1));
        Assert.Equal(ReportStatus.Ready, r.Status); // upstream's rule: valid, not stale, not due soon
        Assert.False(r.GatePassed);
        string json = CanonicalJsonWriter.Serialize(check, indented: false);
        Assert.Contains("\"providers\":[{\"provider\":\"slack\",\"deliveries\":2,\"failures\":2,\"open_failures\":2,", json);
    }

    [Fact]
    public void A_delivered_retry_and_a_verified_closure_recover_and_the_check_passes()
    {
        WriteConnectors();
        var s = Failed("slack", Now.AddHours(-3));
        var t = Failed("teams", Now.AddHours(-3));
        var a = RetryApprovalDecision.Create(s.DeliveryId, "slack", "approved", "alice", Now.AddHours(-2));
        var e = RetryExecutionRecord.Create(s.DeliveryId, "slack", a.DecisionId, "delivered", "bob", Now.AddHours(-2), new[] { "gordelivery-x" });
        var ta = RetryApprovalDecision.Create(t.DeliveryId, "teams", "approved", "alice", Now.AddHours(-2));
        var te = RetryExecutionRecord.Create(t.DeliveryId, "teams", ta.DecisionId, "delivered", "bob", Now.AddHours(-2), Array.Empty<string>());
        var later = Failed("teams", Now.AddHours(-1), "gordroute-2");
        var closure = ConnectorRecoveryClosure.Create("teams", "mitigated", "carol", Now.AddMinutes(-30), new[] { te.ExecutionId });
        Append(s, t, a, e, ta, te, later, closure);
        var r = Report();
        AssertCheck(r, Id, CheckStatus.Pass, "Every drill notification provider has recovered: no failed delivery is left open.",
            ("path", Ledger), ("open_failures", 0), ("providers", ConnectorRecoveryState.Compute(NotificationLedger.Read(new(_set.Directory), Ledger), Now)));
        AssertProviders(Check(r, Id), ("slack", 0), ("teams", 0));
        Assert.True(r.GatePassed);
    }

    [Fact]
    public void A_malformed_line_fails_the_check_naming_the_line()
    {
        WriteConnectors();
        Append(RecordsTests.Failed("slack", Now.AddHours(-1)));
        File.AppendAllText(Ledger, "{\"record_type\":\"delivery\"}\n" + "oops\n");
        var check = Check(Report(), Id);
        Assert.Equal(CheckStatus.Warn, check.Status);
        Assert.Equal("the notification ledger cannot be trusted, a line may hide a failed delivery: line 2: field 'schema_version' is missing (and 1 more)", check.Message);
        Assert.Equal(1, check["open_failures"]);
    }

    [Fact]
    public void A_torn_final_line_fails_the_check_until_the_next_append_repairs_it()
    {
        WriteConnectors();
        var d = Delivered("slack");
        Append(d);
        File.AppendAllText(Ledger, "{\"record_type\":\"deli");
        Assert.Equal("the notification ledger cannot be trusted, a line may hide a failed delivery: line 2: the last line has no newline: "
            + "a writer was cut off mid-append; the next append moves it to a .torn-<n> file beside the ledger", Check(Report(), Id).Message);
        Append(Delivered("slack", "gordroute-2"));
        Assert.Equal(CheckStatus.Pass, Check(Report(), Id).Status);
    }

    private static DeliveryRecord Delivered(string provider, string route = "gordroute-1") =>
        DeliveryRecord.Create("gordn-1", route, "s", "o", provider, "e", new[] { new DeliveryAttempt(1, 200, "", Now.AddHours(-1), 3) }, true,
            Now.AddHours(-1), Now.AddHours(-1), "");

    [Fact]
    public void No_ledger_configured_fails_closed()
    {
        WriteConnectors();
        AssertCheck(Report(Parameters(withLedger: false)), Id, CheckStatus.Warn,
            "notification_ledger_path (CAVRA_GO_NOTIFICATION_LEDGER) is not configured: the gate cannot tell whether drill notifications were delivered",
            ("path", ""), ("open_failures", 0), ("providers", Array.Empty<object>()));
    }

    [Fact]
    public void A_connector_config_send_would_refuse_fails_closed()
    {
        var check = Check(Report(), Id); // connectors.json was never written
        Assert.Equal(CheckStatus.Warn, check.Status);
        Assert.Equal($"the connector config cannot be used, so no notification can be sent: connector config {Connectors}: metadata file is missing", check.Message);
        File.WriteAllText(Connectors, "[1]");
        Assert.Equal($"the connector config cannot be used, so no notification can be sent: connector config {Connectors}: metadata JSON must be an object",
            Check(Report(), Id).Message);
        File.WriteAllText(Connectors, "{\"connectors\": []}");
        Assert.Equal("the connector config cannot be used, so no notification can be sent: connector config must have a non-empty 'connectors' list",
            Check(Report(), Id).Message);
    }

    [Fact]
    public void A_connector_whose_secret_is_not_set_in_the_gates_environment_still_passes()
    {
        // The gate never resolves secrets: a header read from the environment is the sender's to resolve.
        File.WriteAllText(Connectors, "{\"connectors\": [{\"provider\": \"webhook\", \"url\": \"https://hooks.example.invalid/x\", "
            + "\"headers\": {\"Authorization\": {\"env\": \"CAVRA_TEST_UNSET_SECRET\"}}}]}");
        Assert.Equal(CheckStatus.Pass, Check(Report(), Id).Status);
    }

    [Fact]
    public void An_unreadable_ledger_fails_closed()
    {
        WriteConnectors();
        Directory.CreateDirectory(Ledger);
        Assert.Equal($"the notification ledger cannot be trusted, a line may hide a failed delivery: the notification ledger {Ledger} is not a regular file: directory",
            Check(Report(), Id).Message);
    }

    [Fact]
    public void The_gate_blocks_at_the_schedule_step_on_this_check_alone_and_production_readiness_needs_attention()
    {
        WriteConnectors();
        var ok = GateVerdict.Evaluate(_set.Context(Parameters()));
        Assert.True(ok.GoSelected, string.Join("\n", ok.AttentionChecks));

        Append(Failed("slack", Now.AddHours(-1)));
        var v = GateVerdict.Evaluate(_set.Context(Parameters()));
        Assert.False(v.GatePassed);
        Assert.False(v.GoSelected);
        Assert.Equal(GateStep.RollbackDrillSchedule, v.FailedStep);
        Assert.Equal("go backend rollback drill schedule check failed", v.FallbackReason);
        Assert.Equal(new[] { Id }, v.BlockingChecks.Select(c => c.Id));
        var step = Assert.Single(v.Steps, s => s.Step == GateStep.RollbackDrillSchedule);
        Assert.Equal((true, ReportStatus.Ready), (step.Blocking, step.Status));
        Assert.Equal(new[] { Id }, step.BlockingChecks.Select(c => c.Id));

        var production = ProductionReadinessReport.Evaluate(_set.Context(Parameters()));
        Assert.Equal(ReportStatus.NeedsAttention, production.Status);
        var section = Assert.Single(production.Checks, c => c.Id == "go_backend_rollback_drill_schedule");
        Assert.Equal((CheckStatus.Warn, "Go backend rollback drill schedule needs attention."), (section.Status, section.Message));
    }

    [Fact]
    public void A_pilot_stream_sees_a_failed_delivery_at_its_next_action()
    {
        WriteConnectors();
        var p = Parameters();
        p.PolicyPath = Path.Combine(EvidenceSet.RepoRoot, "examples", "policy", "compiled_policy.json");
        var pilot = new Cavra.Gate.Pilot.PilotEvaluator(_set.Context(p, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now)), new Cavra.Gate.Tests.Pilot.FakeRuntime());
        var action = new Cavra.Gate.Decisions.ActionRequest { ActionType = "execute_command", Target = "custom scan --check" };
        Assert.Equal("go", pilot.Evaluate(action).SelectedBackend);

        Append(Failed("slack", Now.AddMinutes(-1)));
        var r = pilot.Evaluate(action); // same instant: only the ledger's change re-evaluates the gate
        Assert.Equal(2, pilot.GateEvaluations);
        Assert.Equal(("dotnet", "go backend rollback drill schedule check failed"), (r.SelectedBackend, r.FallbackReason));
    }

    [Fact]
    public void Without_a_connector_config_a_failed_delivery_in_the_ledger_does_not_touch_the_gate()
    {
        Append(Failed("slack", Now.AddHours(-1)));
        var v = GateVerdict.Evaluate(_set.Context(Parameters(withConnectors: false)));
        Assert.True(v.GoSelected, string.Join("\n", v.AttentionChecks));
    }
}
