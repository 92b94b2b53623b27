using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.Runtime;
using Cavra.Gate.Tests.Decisions;

namespace Cavra.Gate.Tests.Runtime;

public class DaemonContractTests
{
    private static JsonObject Obj(string json) => (JsonObject)StrictJsonParser.Parse(json);

    [Fact]
    public void A_command_maps_to_the_seven_contract_scalars()
    {
        var request = new ActionRequest { SessionId = "s", AgentId = "a", Actor = "x", ActionType = "execute_command", Target = "terraform plan", PolicyPack = "cavra-cloud-iam" };
        Assert.True(DaemonContract.TryMap(request, out var payload, out _));
        Assert.Equal("{\"session_id\":\"s\",\"agent_id\":\"a\",\"actor\":\"x\",\"action_type\":\"execute_command\",\"target\":\"terraform plan\",\"policy_pack\":\"cavra-cloud-iam\"}", payload);
    }

    [Fact]
    public void Operation_travels_as_requested_operation()
    {
        var request = new ActionRequest { ActionType = "git_operation", Target = "origin/main", Operation = "push", RequestedOperation = "fetch" };
        Assert.True(DaemonContract.TryMap(request, out var payload, out _));
        Assert.Equal("{\"action_type\":\"git_operation\",\"target\":\"origin/main\",\"requested_operation\":\"push\"}", payload);
    }

    [Theory]
    [InlineData("{\"action_type\":\"mcp_tool_call\",\"target\":\"x\"}", "mcp_tool_call needs server, tool and capability")]
    [InlineData("{\"action_type\":\"execute_command\",\"target\":\"x\",\"capability\":\"filesystem\"}", "the daemon contract has no server, tool or capability")]
    [InlineData("{\"action_type\":\"read_file\",\"target\":\"x\",\"server\":\"s\"}", "the daemon contract has no server, tool or capability")]
    [InlineData("{\"target\":\"x\",\"record\":{\"metadata_kind\":\"k\"}}", "a record without an action type")]
    [InlineData("{\"action_type\":\"release_governance_record\",\"record\":{\"metadata_kind\":\"k\",\"approval\":{\"state\":\"denied\"}}}", "the record cannot travel as the typed release_governance contract: 'approval' is not a contract field")]
    [InlineData("{\"action_type\":\"release_governance_record\",\"record\":{\"Metadata_Kind\":\"k\"}}", "'Metadata_Kind' is not a contract field")]
    [InlineData("{\"action_type\":\"release_governance_record\",\"record\":{\"metadata_kind\":\"\"}}", "'metadata_kind' is empty, zero or not of the contract type")]
    [InlineData("{\"action_type\":\"release_governance_record\",\"record\":{\"blocked_count\":1.5}}", "'blocked_count' is empty, zero or not of the contract type")]
    [InlineData("{\"action_type\":\"release_governance_record\",\"record\":{\"delivery_success\":\"yes\"}}", "'delivery_success' is empty, zero or not of the contract type")]
    public void Requests_the_contract_cannot_carry_go_one_shot(string json, string reason)
    {
        var request = Build(json);
        Assert.False(DaemonContract.TryMap(request, out _, out var why));
        Assert.Contains(reason, why);
    }

    [Fact]
    public void A_typed_contract_that_does_not_bind_goes_one_shot()
    {
        // One-shot mode ignores such a release_governance (docs/design/decisions.md §2.1); the daemon would close the connection without answering.
        var request = new ActionRequest { ActionType = "release_governance_record", ReleaseGovernance = Obj("{\"blocked_count\":\"1\"}") };
        Assert.False(DaemonContract.TryMap(request, out _, out var why));
        Assert.StartsWith("release_governance does not bind as the daemon contract: json: cannot unmarshal string", why);
    }

    [Fact]
    public void A_record_of_contract_fields_travels_as_release_governance()
    {
        var request = Build("{\"action_type\":\"release_governance_record\",\"target\":\"prod\",\"record\":{\"metadata_kind\":\"rollout-rollback-execution\",\"approval_required_count\":1,\"delivery_success\":true,\"failed_providers\":[\"a\"]}}");
        Assert.True(DaemonContract.TryMap(request, out var payload, out _));
        Assert.Equal("{\"action_type\":\"release_governance_record\",\"target\":\"prod\",\"release_governance\":{\"metadata_kind\":\"rollout-rollback-execution\",\"approval_required_count\":1,\"delivery_success\":true,\"failed_providers\":[\"a\"]}}", payload);
    }

    [Fact]
    public void A_typed_contract_request_drops_operation_as_one_shot_mode_does()
    {
        var request = Build("{\"action_type\":\"release_governance_record\",\"operation\":\"deploy\",\"requested_operation\":\"verify\",\"release_governance\":{\"metadata_kind\":\"k\"}}");
        Assert.True(DaemonContract.TryMap(request, out var payload, out _));
        Assert.Equal("{\"action_type\":\"release_governance_record\",\"requested_operation\":\"verify\",\"release_governance\":{\"metadata_kind\":\"k\"}}", payload);
    }

    /// <summary>Every request the daemon contract carries must be decoded by the daemon into the request one-shot mode decodes.</summary>
    public static IEnumerable<object[]> Requests()
    {
        var list = new List<string>();
        foreach (var file in new[] { "parity_cases.json", "release_governance_records.json", "release_governance_contracts.json" })
            foreach (JsonObject c in ((JsonArray)Conformance.Read(file)).Items)
                list.Add(GoJsonText(c.Get("request")!));
        list.AddRange(new[]
        {
            "{\"action_type\":\"git_operation\",\"target\":\"origin/main\",\"operation\":\"push\"}",
            "{\"action_type\":\"git_operation\",\"target\":\"origin/main\",\"requested_operation\":\"push\"}",
            "{\"action_type\":\"git_operation\",\"target\":\"origin/main\"}",
            "{\"action_type\":\"write_file\",\"target\":\"iam/x\",\"operation\":\"anything\"}",
            "{\"action_type\":\"deploy_everything\",\"target\":\"prod\",\"operation\":\"go\"}",
            "{\"target\":\"x\"}",
            "{\"action_type\":\"release_governance_record\",\"record\":{}}",
            "{\"action_type\":\"release_governance_record\",\"operation\":\"deploy\",\"record\":{\"metadata_kind\":\"release-connector-delivery\",\"delivery_success\":true,\"alert_level\":\" Critical \"}}",
            "{\"action_type\":\"release_governance_record\",\"release_governance\":{}}",
            "{\"action_type\":\"execute_command\",\"target\":\"  kubectl delete ns x  \",\"session_id\":\"<s>&\",\"policy_pack\":\"cavra-kubernetes-prod\"}",
        });
        return list.Select(j => new object[] { j });
    }

    private static string GoJsonText(JsonValue v) => Cavra.Gate.Serialization.CanonicalJsonWriter.Serialize(v);

    [Theory]
    [MemberData(nameof(Requests))]
    public void The_daemon_decodes_what_one_shot_decodes(string json)
    {
        var request = Build(json);
        var engine = new DecisionEngine(clock: Conformance.Clock());
        Assert.True(ActionRequest.TryParse(StrictJsonParser.Parse(request.ToRuntimeJson()), out var oneShot, out var error), error);
        var viaOneShot = engine.Evaluate(oneShot);
        if (!DaemonContract.TryMap(request, out var payload, out _)) return; // goes one-shot: nothing to compare
        Assert.True(ActionRequest.TryParseContract(StrictJsonParser.Parse(payload), out var daemon, out error), error);
        var viaDaemon = engine.Evaluate(daemon);
        Assert.Equal(Strip(viaOneShot.ToRuntimeJson()), Strip(DaemonContract.NormalizeReply(Obj(viaDaemon.ToDaemonJson()))));
    }

    [Fact]
    public void A_daemon_reply_is_normalised_to_the_one_shot_decision_shape()
    {
        var decision = new DecisionEngine(clock: Conformance.Clock()).Evaluate(new ActionRequest { ActionType = "deploy", Target = "prod" });
        var daemon = Obj(decision.ToDaemonJson());
        Assert.DoesNotContain(daemon.Members, m => m.Key == "requested_operation"); // empty: the daemon omits it
        var normalised = DaemonContract.NormalizeReply(daemon);
        var oneShot = Obj(decision.ToRuntimeJson());
        Assert.Equal(oneShot.Members.Select(m => m.Key), normalised.Members.Select(m => m.Key));
        Assert.Equal(GoJsonText(oneShot), GoJsonText(normalised));
    }

    [Fact]
    public void Normalising_restores_always_present_keys_and_keeps_unknown_ones()
    {
        var normalised = DaemonContract.NormalizeReply(Obj("{\"extra\":1,\"rule_id\":\"r\",\"decision\":\"allow\",\"severity\":\"low\"}"));
        Assert.Equal(new[] { "decision", "reason", "action_type", "target", "requested_operation", "policy_pack", "policy_id", "rule_id", "severity", "extra" },
            normalised.Members.Select(m => m.Key));
        Assert.Equal("", ((JsonString)normalised.Get("requested_operation")!).Value);
    }

    internal static ActionRequest Build(string json)
    {
        Assert.True(ActionRequest.TryParse(StrictJsonParser.Parse(json), out var request, out var error), error);
        return request;
    }

    /// <summary>A decision without its per-call ids and time.</summary>
    internal static string Strip(string json) => Strip(Obj(json));

    internal static string Strip(JsonObject decision) => GoJsonText(Without(decision));

    internal static JsonValue Without(JsonValue value)
    {
        if (value is JsonObject o)
            return new JsonObject(o.Members.Where(m => !Volatile.Contains(m.Key)).Select(m => new KeyValuePair<string, JsonValue>(m.Key, Without(m.Value))).ToList());
        if (value is JsonArray a) return new JsonArray(a.Items.Select(Without).ToList());
        return value;
    }

    private static readonly HashSet<string> Volatile = new() { "decision_id", "correlation_id", "timestamp", "evidence_refs", "evaluation_id", "evaluated_at", "generated_at", "gate_evaluated_at" };
}
