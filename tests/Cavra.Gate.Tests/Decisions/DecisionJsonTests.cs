using System.Text.RegularExpressions;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Tests.Decisions;

/// <summary>The two JSON shapes of a decision: the pilot dict (docs/design/decisions.md §2.4) and the runtime's one-shot output (docs/design/decisions.md §2.3).</summary>
public class DecisionJsonTests
{
    private static Decision Sample(string session = "parity-approval")
        => new DecisionEngine(clock: Conformance.Clock()).Evaluate(new ActionRequest
        {
            SessionId = session, AgentId = "codex-agent", ActionType = "write_file", Target = "iam/<admin>&role.tf", PolicyPack = "cavra-banking-baseline",
        });

    private static string Ids(string text, Decision d) => text.Replace(d.DecisionId, "dec_ID").Replace(d.CorrelationId, "corr_ID");

    [Fact]
    public void Runtime_json_has_the_Go_shape()
    {
        var d = Sample();
        Assert.Equal(
            "{\n" +
            "  \"decision_id\": \"dec_ID\",\n" +
            "  \"session_id\": \"parity-approval\",\n" +
            "  \"agent_id\": \"codex-agent\",\n" +
            "  \"actor\": \"ai-agent\",\n" +
            "  \"decision\": \"require_approval\",\n" +
            "  \"reason\": \"Matched approval-required path policy: iam/**\",\n" +
            "  \"action_type\": \"write_file\",\n" +
            "  \"target\": \"iam/\\u003cadmin\\u003e\\u0026role.tf\",\n" +
            "  \"requested_operation\": \"write\",\n" +
            "  \"policy_pack\": \"cavra-banking-baseline\",\n" +
            "  \"policy_id\": \"cavra-banking-baseline\",\n" +
            "  \"rule_id\": \"filesystem.write.require_approval\",\n" +
            "  \"severity\": \"high\",\n" +
            "  \"evidence_refs\": [\n" +
            "    \"evidence://parity-approval/dec_ID\"\n" +
            "  ],\n" +
            "  \"approver_group\": \"Platform Security\",\n" +
            "  \"timestamp\": \"2026-05-18T12:00:00.1234Z\",\n" +
            "  \"correlation_id\": \"corr_ID\"\n" +
            "}\n",
            Ids(d.ToRuntimeJson(), d));
    }

    [Fact]
    public void Runtime_json_omits_an_empty_approver_group_but_keeps_empty_always_fields()
    {
        var d = new DecisionEngine(clock: Conformance.Clock()).Evaluate(new ActionRequest { ActionType = "read_file" });
        string json = d.ToRuntimeJson();
        Assert.DoesNotContain("approver_group", json);
        Assert.Contains("\"target\": \"\",\n", json);
        var parsed = (JsonObject)StrictJsonParser.Parse(json);
        Assert.Equal(new[]
        {
            "decision_id", "session_id", "agent_id", "actor", "decision", "reason", "action_type", "target", "requested_operation",
            "policy_pack", "policy_id", "rule_id", "severity", "evidence_refs", "timestamp", "correlation_id",
        }, parsed.Members.Select(m => m.Key));
    }

    [Fact]
    public void Runtime_json_escapes_like_Go()
    {
        var d = new DecisionEngine(clock: Conformance.Clock()).Evaluate(new ActionRequest
        {
            ActionType = "x", Target = "\b\f\t\r\n\u0001\u007f\u2028\u2029é\U0001F600\"\\/",
        });
        Assert.Contains("\"target\": \"\\b\\f\\t\\r\\n\\u0001\u007f\\u2028\\u2029é\U0001F600\\\"\\\\/\",", d.ToRuntimeJson());
    }

    [Fact]
    public void Pilot_dict_key_order_and_values()
    {
        var d = Sample();
        string json = CanonicalJsonWriter.Serialize(d);
        var parsed = (JsonObject)StrictJsonParser.Parse(json);
        Assert.Equal(new[]
        {
            "decision_id", "session_id", "agent_id", "actor", "action_type", "target", "requested_operation", "policy_pack", "policy_id",
            "rule_id", "decision", "severity", "reason", "evidence_refs", "approver_group", "timestamp", "correlation_id",
        }, parsed.Members.Select(m => m.Key));
        Assert.Equal("iam/<admin>&role.tf", ((JsonString)parsed.Get("target")!).Value);
        Assert.Equal("require_approval", ((JsonString)parsed.Get("decision")!).Value);
        Assert.Equal(1, ((JsonArray)parsed.Get("evidence_refs")!).Count);
        // approver_group is always present, "" when none.
        var allow = new DecisionEngine(clock: Conformance.Clock()).Evaluate(new ActionRequest { ActionType = "read_file", Target = "a" });
        Assert.Contains("\"approver_group\": \"\"", CanonicalJsonWriter.Serialize(allow));
    }

    [Fact]
    public void Runtime_json_parses_back_to_the_same_decision()
    {
        var d = Sample("s");
        var o = (JsonObject)StrictJsonParser.Parse(d.ToRuntimeJson());
        string S(string k) => ((JsonString)o.Get(k)!).Value;
        Assert.Equal((d.DecisionId, d.Verdict, d.RuleId, d.Severity, d.Target, d.Timestamp, d.CorrelationId),
            (S("decision_id"), S("decision"), S("rule_id"), S("severity"), S("target"), S("timestamp"), S("correlation_id")));
        Assert.Matches(new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z$"), d.Timestamp);
    }
}
