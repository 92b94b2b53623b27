using System.Security.Cryptography;
using System.Text;
using Cavra.Gate.Json;
using Cavra.Gate.Notifications;

namespace Cavra.Gate.Tests.Notifications;

public sealed class RecordsTests
{
    // A fixed instant: ids and hashes are pure functions of the fields, so nothing here expires.
    private static readonly DateTimeOffset At = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static string Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    internal static DeliveryRecord Failed(string provider = "slack", DateTimeOffset? at = null, string retryOf = "", string route = "gordroute-0000000000000001") =>
        DeliveryRecord.Create("gordn-00000000000000aa", route, "sched-1", "release-governance", provider,
            "cavra.go_backend.rollback_drill.notification",
            new[]
            {
                new DeliveryAttempt(1, 500, "HTTP 500", at ?? At, 12),
                new DeliveryAttempt(2, null, "timed out after 10 s", (at ?? At).AddSeconds(1), 10000),
            },
            success: false, attemptedAt: at ?? At, deliveredAt: null, error: "timed out after 10 s", retryOf: retryOf);

    [Fact]
    public void Delivery_id_is_the_prefix_and_16_hex_of_the_sha256_of_the_sorted_key_json_of_its_fields()
    {
        var d = Failed();
        string expected = "gordelivery-" + Hex("{\"attempted_at\":\"2026-03-01T12:00:00+00:00\",\"plan_id\":\"gordn-00000000000000aa\","
            + "\"provider\":\"slack\",\"route_key\":\"gordroute-0000000000000001\"}")[..16];
        Assert.Equal(expected, d.DeliveryId);
        Assert.True(d.IdValid);
        Assert.Equal(2, d.AttemptCount);
        Assert.Null(d.StatusCode);
        Assert.False(d.Success);
        Assert.Equal("", d.DeliveredAt);
        Assert.Equal("timed out after 10 s", d.Error);
        Assert.Equal("delivery", d.RecordType);
    }

    [Fact]
    public void Delivery_writes_one_compact_line_in_a_fixed_key_order_and_reads_back_equal()
    {
        var d = Failed();
        string line = NotificationRecords.ToLine(d);
        Assert.Equal("{\"record_type\":\"delivery\",\"schema_version\":\"cavra.connector.delivery.v1\",\"delivery_id\":\"" + d.DeliveryId + "\","
            + "\"plan_id\":\"gordn-00000000000000aa\",\"route_key\":\"gordroute-0000000000000001\",\"schedule_id\":\"sched-1\","
            + "\"owner\":\"release-governance\",\"provider\":\"slack\",\"event_type\":\"cavra.go_backend.rollback_drill.notification\","
            + "\"attempt_count\":2,\"status_code\":null,\"success\":false,\"delivered_at\":\"\",\"error\":\"timed out after 10 s\","
            + "\"attempted_at\":\"2026-03-01T12:00:00+00:00\",\"attempts\":[{\"number\":1,\"status_code\":500,\"error\":\"HTTP 500\","
            + "\"started_at\":\"2026-03-01T12:00:00+00:00\",\"duration_ms\":12},{\"number\":2,\"status_code\":null,\"error\":\"timed out after 10 s\","
            + "\"started_at\":\"2026-03-01T12:00:01+00:00\",\"duration_ms\":10000}],\"retry_of\":\"\"}", line);
        var back = Assert.IsType<DeliveryRecord>(NotificationRecords.FromJson((JsonObject)StrictJsonParser.Parse(line)));
        Assert.Equal(line, NotificationRecords.ToLine(back));
    }

    [Fact]
    public void An_attempt_reads_as_number_status_error_and_duration()
    {
        var d = Failed();
        Assert.Equal(new[] { "#1 500 HTTP 500 12 ms", "#2 no answer timed out after 10 s 10000 ms" }, d.Attempts.Select(a => a.ToString()));
        Assert.Equal("#1 204 5 ms", new DeliveryAttempt(1, 204, "", At, 5).ToString());
    }

    [Fact]
    public void The_pair_overloads_follow_the_same_rule()
    {
        Assert.Equal(Failed().DeliveryId, NotificationRecords.Id("gordelivery-", ("route_key", "gordroute-0000000000000001"),
            ("provider", "slack"), ("plan_id", "gordn-00000000000000aa"), ("attempted_at", "2026-03-01T12:00:00+00:00")));
        Assert.Equal(Hex("{\"a\":[\"x\"],\"b\":1}"), NotificationRecords.Sha256(("b", 1), ("a", new[] { "x" })));
    }

    [Fact]
    public void A_successful_delivery_keeps_delivered_at_and_drops_any_error()
    {
        var d = DeliveryRecord.Create("gordn-1", "gordroute-1", "s", "o", "webhook", "e",
            new[] { new DeliveryAttempt(1, 204, "", At, 5) }, true, At, At.AddSeconds(1), "ignored");
        Assert.Equal(204, d.StatusCode);
        Assert.Equal("2026-03-01T12:00:01+00:00", d.DeliveredAt);
        Assert.Equal("", d.Error);
        var back = DeliveryRecord.FromJson((JsonObject)StrictJsonParser.Parse(NotificationRecords.ToLine(d)));
        Assert.Equal("2026-03-01T12:00:01+00:00", back.DeliveredAt);
        Assert.True(back.Success);
    }

    [Fact]
    public void Decision_id_expiry_and_round_trip()
    {
        var a = RetryApprovalDecision.Create("gordelivery-1", "slack", "approved", "alice", At, TimeSpan.FromHours(2), "CHG-1", "n");
        Assert.Equal("gordackretryapprovaldecision-" + Hex("{\"approval_state\":\"approved\",\"decided_at\":\"2026-03-01T12:00:00+00:00\","
            + "\"decided_by\":\"alice\",\"delivery_id\":\"gordelivery-1\",\"provider\":\"slack\"}")[..16], a.DecisionId);
        Assert.Equal("2026-03-01T14:00:00+00:00", a.ExpiresAt);
        Assert.Equal("2026-03-02T12:00:00+00:00", RetryApprovalDecision.Create("gordelivery-1", "slack", "approved", "alice", At).ExpiresAt);
        Assert.Equal("", RetryApprovalDecision.Create("gordelivery-1", "slack", "denied", "alice", At).ExpiresAt);
        string line = NotificationRecords.ToLine(a);
        Assert.Equal("{\"record_type\":\"retry_approval_decision\",\"schema_version\":\"" + RetryApprovalDecision.Schema + "\",\"decision_id\":\""
            + a.DecisionId + "\",\"delivery_id\":\"gordelivery-1\",\"provider\":\"slack\",\"approval_state\":\"approved\",\"decided_by\":\"alice\","
            + "\"decided_at\":\"2026-03-01T12:00:00+00:00\",\"expires_at\":\"2026-03-01T14:00:00+00:00\",\"external_ref\":\"CHG-1\",\"notes\":\"n\"}", line);
        var back = Assert.IsType<RetryApprovalDecision>(NotificationRecords.FromJson((JsonObject)StrictJsonParser.Parse(line)));
        Assert.Equal(line, NotificationRecords.ToLine(back));
        Assert.True(back.IdValid);
    }

    [Fact]
    public void Decision_refuses_a_state_outside_the_four_and_a_non_positive_lifetime()
    {
        Assert.Throws<ArgumentException>(() => RetryApprovalDecision.Create("d", "slack", "maybe", "alice", At));
        Assert.Throws<ArgumentOutOfRangeException>(() => RetryApprovalDecision.Create("d", "slack", "approved", "alice", At, TimeSpan.Zero));
        Assert.Throws<ArgumentException>(() => RetryApprovalDecision.Create("d", "slack", "approved", "", At));
    }

    [Fact]
    public void Execution_hash_covers_the_listed_fields_and_detects_an_edit()
    {
        var e = RetryExecutionRecord.Create("gordelivery-1", "slack", "gordackretryapprovaldecision-1", "delivered", "bob", At,
            new[] { "gordelivery-2" }, "", 1, 200);
        Assert.Equal(Hex("{\"approval_decision_id\":\"gordackretryapprovaldecision-1\",\"delivery_id\":\"gordelivery-1\",\"evidence_refs\":[\"gordelivery-2\"],"
            + "\"executed_at\":\"2026-03-01T12:00:00+00:00\",\"executed_by\":\"bob\",\"execution_status\":\"delivered\",\"provider\":\"slack\"}"), e.ExecutionHash);
        Assert.Equal("gordackretryexec-" + Hex("{\"approval_decision_id\":\"gordackretryapprovaldecision-1\",\"delivery_id\":\"gordelivery-1\","
            + "\"executed_at\":\"2026-03-01T12:00:00+00:00\",\"provider\":\"slack\"}")[..16], e.ExecutionId);
        Assert.True(e.HashValid);
        string line = NotificationRecords.ToLine(e);
        var back = Assert.IsType<RetryExecutionRecord>(NotificationRecords.FromJson((JsonObject)StrictJsonParser.Parse(line)));
        Assert.Equal(line, NotificationRecords.ToLine(back));
        Assert.True(back.HashValid);
        var edited = RetryExecutionRecord.FromJson((JsonObject)StrictJsonParser.Parse(line.Replace("\"delivered\"", "\"failed\"")));
        Assert.False(edited.HashValid);
        var otherEvidence = RetryExecutionRecord.FromJson((JsonObject)StrictJsonParser.Parse(line.Replace("gordelivery-2", "gordelivery-9")));
        Assert.False(otherEvidence.HashValid);
    }

    [Fact]
    public void Closure_hash_id_closes_and_round_trip()
    {
        var c = ConnectorRecoveryClosure.Create("slack", "resolved", "carol", At, new[] { "gordackretryexec-1" }, "INC-7");
        Assert.Equal(Hex("{\"closed_at\":\"2026-03-01T12:00:00+00:00\",\"closed_by\":\"carol\",\"closure_state\":\"resolved\",\"external_ref\":\"INC-7\","
            + "\"provider\":\"slack\",\"verification_refs\":[\"gordackretryexec-1\"]}"), c.ClosureHash);
        Assert.StartsWith("gordackrecoveryclosure-", c.ClosureId);
        Assert.Equal(23 + 16, c.ClosureId.Length);
        Assert.True(c.Closes);
        Assert.True(c.HashValid);
        foreach (var state in new[] { "deferred", "escalated", "reopened" })
            Assert.False(ConnectorRecoveryClosure.Create("slack", state, "carol", At, Array.Empty<string>()).Closes);
        Assert.True(ConnectorRecoveryClosure.Create("slack", "mitigated", "carol", At, Array.Empty<string>()).Closes);
        string line = NotificationRecords.ToLine(c);
        var back = Assert.IsType<ConnectorRecoveryClosure>(NotificationRecords.FromJson((JsonObject)StrictJsonParser.Parse(line)));
        Assert.Equal(line, NotificationRecords.ToLine(back));
        Assert.False(ConnectorRecoveryClosure.FromJson((JsonObject)StrictJsonParser.Parse(line.Replace("INC-7", "INC-8"))).HashValid);
        Assert.Throws<ArgumentException>(() => ConnectorRecoveryClosure.Create("slack", "closed", "carol", At, Array.Empty<string>()));
    }

    public static TheoryData<string, string, string> Refusals() => new()
    {
        { "{\"record_type\":\"shipment\"}", "", "record_type 'shipment' is not a notification record this version reads" },
        { "{\"schema_version\":\"x\"}", "", "field 'record_type' is missing" },
        { "{\"record_type\":7}", "", "field 'record_type' must be a string, not a number" },
        { "", "\"schema_version\":\"cavra.connector.delivery.v1\"", "field 'schema_version' must be cavra.connector.delivery.v1, not 'cavra.connector.delivery.v2'" },
        { "", "\"attempt_count\":2", "field 'attempt_count' is 3 but attempts lists 2" },
        { "", "\"attempt_count\":2,", "field 'attempt_count' must be an integer, not a string" },
        { "", "\"success\":false", "field 'success' must be true or false, not a string" },
        { "", "\"status_code\":null,\"success\"", "field 'status_code' must be an integer of at least 0, not -1" },
        { "", "\"attempted_at\":\"2026-03-01T12:00:00+00:00\",\"attempts\"", "field 'attempted_at' must be an ISO-8601 timestamp, not 'yesterday'" },
        { "", "\"provider\":\"slack\",", "field 'provider' is missing" },
        { "", "\"delivery_id\":\"", "field 'delivery_id' must not be empty" },
        { "", "{\"number\":1,", "attempts[0] must be an object" },
        { "", "\"duration_ms\":12", "attempts[0]: field 'duration_ms' must be an integer, not a number" },
        { "", "\"attempt_count\":2,\"status_code\"", "field 'attempt_count' must be an integer of at most 2147483647, not 4294967298" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void FromJson_refuses_with_a_message_naming_the_field(string whole, string mutateFrom, string message)
    {
        string text = whole;
        if (text.Length == 0)
        {
            text = NotificationRecords.ToLine(Failed());
            text = mutateFrom switch
            {
                "\"schema_version\":\"cavra.connector.delivery.v1\"" => text.Replace(mutateFrom, "\"schema_version\":\"cavra.connector.delivery.v2\""),
                "\"attempt_count\":2" => text.Replace(mutateFrom, "\"attempt_count\":3"),
                "\"attempt_count\":2," => text.Replace(mutateFrom, "\"attempt_count\":\"2\","),
                "\"success\":false" => text.Replace(mutateFrom, "\"success\":\"false\""),
                "\"status_code\":null,\"success\"" => text.Replace(mutateFrom, "\"status_code\":-1,\"success\""),
                "\"attempted_at\":\"2026-03-01T12:00:00+00:00\",\"attempts\"" => text.Replace(mutateFrom, "\"attempted_at\":\"yesterday\",\"attempts\""),
                "\"provider\":\"slack\"," => text.Replace(mutateFrom, ""),
                "\"delivery_id\":\"" => System.Text.RegularExpressions.Regex.Replace(text, "\"delivery_id\":\"[^\"]*\"", "\"delivery_id\":\"\""),
                "{\"number\":1," => text.Replace("\"attempts\":[{\"number\":1,\"status_code\":500,\"error\":\"HTTP 500\",\"started_at\":\"2026-03-01T12:00:00+00:00\",\"duration_ms\":12},", "\"attempts\":[[],"),
                "\"duration_ms\":12" => text.Replace(mutateFrom, "\"duration_ms\":12.5"),
                "\"attempt_count\":2,\"status_code\"" => text.Replace(mutateFrom, "\"attempt_count\":4294967298,\"status_code\""),
                _ => throw new InvalidOperationException(mutateFrom),
            };
        }
        var ex = Assert.Throws<InvalidNotificationRecordException>(() => NotificationRecords.FromJson((JsonObject)StrictJsonParser.Parse(text)));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void FromJson_refuses_a_decision_state_execution_status_and_closure_state_outside_their_sets()
    {
        var a = NotificationRecords.ToLine(RetryApprovalDecision.Create("gordelivery-1", "slack", "denied", "alice", At));
        var ex = Assert.Throws<InvalidNotificationRecordException>(() =>
            NotificationRecords.FromJson((JsonObject)StrictJsonParser.Parse(a.Replace("\"denied\"", "\"ok\""))));
        Assert.Equal("field 'approval_state' must be one of approved, denied, deferred, expired, not 'ok'", ex.Message);

        var approved = NotificationRecords.ToLine(RetryApprovalDecision.Create("gordelivery-1", "slack", "approved", "alice", At));
        ex = Assert.Throws<InvalidNotificationRecordException>(() => NotificationRecords.FromJson(
            (JsonObject)StrictJsonParser.Parse(approved.Replace("\"expires_at\":\"2026-03-02T12:00:00+00:00\"", "\"expires_at\":\"\""))));
        Assert.Equal("field 'expires_at' must be an ISO-8601 timestamp, not ''", ex.Message);

        var e = NotificationRecords.ToLine(RetryExecutionRecord.Create("gordelivery-1", "slack", "", "skipped", "bob", At, Array.Empty<string>(), "no approval"));
        ex = Assert.Throws<InvalidNotificationRecordException>(() =>
            NotificationRecords.FromJson((JsonObject)StrictJsonParser.Parse(e.Replace("\"skipped\"", "\"ran\""))));
        Assert.Equal("field 'execution_status' must be one of delivered, failed, skipped, not 'ran'", ex.Message);
        ex = Assert.Throws<InvalidNotificationRecordException>(() =>
            NotificationRecords.FromJson((JsonObject)StrictJsonParser.Parse(e.Replace("\"evidence_refs\":[]", "\"evidence_refs\":[1]"))));
        Assert.Equal("field 'evidence_refs' must be a list of strings, not a list", ex.Message);

        var c = NotificationRecords.ToLine(ConnectorRecoveryClosure.Create("slack", "resolved", "carol", At, new[] { "x" }));
        ex = Assert.Throws<InvalidNotificationRecordException>(() =>
            NotificationRecords.FromJson((JsonObject)StrictJsonParser.Parse(c.Replace("\"resolved\"", "\"done\""))));
        Assert.Equal("field 'closure_state' must be one of resolved, mitigated, deferred, escalated, reopened, not 'done'", ex.Message);
        ex = Assert.Throws<InvalidNotificationRecordException>(() =>
            NotificationRecords.FromJson((JsonObject)StrictJsonParser.Parse(c.Replace("\"verification_refs\":[\"x\"]", "\"verification_refs\":\"x\""))));
        Assert.Equal("field 'verification_refs' must be a list of strings, not a string", ex.Message);
    }

    [Fact]
    public void FromJson_refuses_fields_that_contradict_the_outcome_instead_of_dropping_them()
    {
        string failed = NotificationRecords.ToLine(Failed());
        Assert.Equal("field 'delivered_at' must be empty when success is false", Assert.Throws<InvalidNotificationRecordException>(() =>
            NotificationRecords.FromJson((JsonObject)StrictJsonParser.Parse(failed.Replace("\"delivered_at\":\"\"", "\"delivered_at\":\"2026-03-01T12:00:00+00:00\"")))).Message);
        string ok = NotificationRecords.ToLine(DeliveryRecord.Create("p", "r", "s", "o", "webhook", "e", new[] { new DeliveryAttempt(1, 200, "", At, 1) }, true, At, At, ""));
        Assert.Equal("field 'error' must be empty when success is true", Assert.Throws<InvalidNotificationRecordException>(() =>
            NotificationRecords.FromJson((JsonObject)StrictJsonParser.Parse(ok.Replace("\"error\":\"\",\"attempted_at\"", "\"error\":\"x\",\"attempted_at\"")))).Message);
        Assert.Equal("field 'delivered_at' must be an ISO-8601 timestamp, not ''", Assert.Throws<InvalidNotificationRecordException>(() =>
            NotificationRecords.FromJson((JsonObject)StrictJsonParser.Parse(ok.Replace("\"delivered_at\":\"2026-03-01T12:00:00+00:00\"", "\"delivered_at\":\"\"")))).Message);
        string denied = NotificationRecords.ToLine(RetryApprovalDecision.Create("d", "slack", "denied", "a", At));
        Assert.Equal("field 'expires_at' must be empty when approval_state is denied", Assert.Throws<InvalidNotificationRecordException>(() =>
            NotificationRecords.FromJson((JsonObject)StrictJsonParser.Parse(denied.Replace("\"expires_at\":\"\"", "\"expires_at\":\"2027-01-01\"")))).Message);
    }

    [Fact]
    public void Constructors_refuse_what_no_record_may_hold()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeliveryAttempt(0, 200, "", At, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeliveryAttempt(1, 200, "", At, -1));
        Assert.Throws<ArgumentException>(() => DeliveryRecord.Create("p", "r", "s", "o", "", "e", Array.Empty<DeliveryAttempt>(), false, At, null, "x"));
        Assert.Throws<ArgumentException>(() => RetryExecutionRecord.Create("d", "slack", "", "ran", "bob", At, Array.Empty<string>()));
        Assert.Throws<ArgumentException>(() => RetryExecutionRecord.Create("d", "slack", "", "skipped", "", At, Array.Empty<string>()));
        Assert.Throws<ArgumentException>(() => ConnectorRecoveryClosure.Create("", "resolved", "carol", At, Array.Empty<string>()));
        Assert.Throws<ArgumentException>(() => new RetryApprovalDecision("id", "d", "slack", "approved", "a", "2026-03-01", "", "", ""));
    }

    [Fact]
    public void Each_type_reader_refuses_another_record_type()
    {
        var line = (JsonObject)StrictJsonParser.Parse(NotificationRecords.ToLine(Failed()));
        Assert.Equal("record_type must be retry_approval_decision",
            Assert.Throws<InvalidNotificationRecordException>(() => RetryApprovalDecision.FromJson(line)).Message);
        Assert.Equal("record_type must be retry_execution",
            Assert.Throws<InvalidNotificationRecordException>(() => RetryExecutionRecord.FromJson(line)).Message);
        Assert.Equal("record_type must be connector_recovery_closure",
            Assert.Throws<InvalidNotificationRecordException>(() => ConnectorRecoveryClosure.FromJson(line)).Message);
        var decision = (JsonObject)StrictJsonParser.Parse(NotificationRecords.ToLine(RetryApprovalDecision.Create("d", "slack", "denied", "a", At)));
        Assert.Equal("record_type must be delivery", Assert.Throws<InvalidNotificationRecordException>(() => DeliveryRecord.FromJson(decision)).Message);
    }
}
