using Cavra.Gate.Decisions;
using Cavra.Gate.Json;

namespace Cavra.Gate.Tests.Decisions;

/// <summary>ActionRequest.TryParse binds like the runtime's one-shot decoding (docs/design/decisions.md §2.1, §2.2): Go encoding/json semantics.</summary>
public class ActionRequestTests
{
    private static ActionRequest Parse(string json)
    {
        Assert.True(ActionRequest.TryParse(StrictJsonParser.Parse(json), out var r, out var error), error);
        return r;
    }

    private static string ParseError(string json)
    {
        Assert.False(ActionRequest.TryParse(StrictJsonParser.Parse(json), out _, out var error));
        Assert.NotEmpty(error);
        return error;
    }

    [Fact]
    public void Keys_match_case_insensitively_and_unknown_keys_are_ignored()
    {
        var r = Parse("{\"Action_Type\":\"execute_command\",\"TARGET\":\"terraform plan\",\"Policy_Pack\":\"cavra-cloud-iam\",\"sesſion_id\":\"s1\",\"\u212Aind\":1,\"extra\":{\"deep\":[1,2]}}");
        Assert.Equal("execute_command", r.ActionType);
        Assert.Equal("terraform plan", r.Target);
        Assert.Equal("cavra-cloud-iam", r.PolicyPack);
        Assert.Equal("s1", r.SessionId); // U+017F folds to 's'
        Assert.Equal("push", Parse("{\"operat\u0131on\":\"push\"}").Operation); // so does the dotless i to 'i'
        Assert.Equal("", Parse("{\"operat\u00EDon\":\"push\"}").Operation);     // but not an accented one
    }

    [Fact]
    public void Every_runtime_field_binds()
    {
        var r = Parse("{\"session_id\":\"a\",\"agent_id\":\"b\",\"actor\":\"c\",\"action_type\":\"d\",\"target\":\"e\",\"operation\":\"f\",\"requested_operation\":\"g\",\"policy_pack\":\"h\",\"server\":\"i\",\"tool\":\"j\",\"capability\":\"k\",\"record\":{\"x\":1}}");
        Assert.Equal("abcdefghijk", r.SessionId + r.AgentId + r.Actor + r.ActionType + r.Target + r.Operation + r.RequestedOperation + r.PolicyPack + r.Server + r.Tool + r.Capability);
        Assert.Equal(1, r.Record!.Count);
        Assert.Null(r.ReleaseGovernance);
        Assert.Equal("f", r.EffectiveOperation);
    }

    [Fact]
    public void Null_is_empty_and_leaves_an_earlier_value()
    {
        var r = Parse("{\"target\":null,\"session_id\":\"s\",\"Session_Id\":null,\"record\":null}");
        Assert.Equal("", r.Target);
        Assert.Equal("s", r.SessionId);
        Assert.Null(r.Record);
        r = Parse("{\"target\":\"a\",\"Target\":\"b\"}");
        Assert.Equal("b", r.Target); // last key wins
    }

    [Theory]
    [InlineData("{\"target\":5}", "target")]
    [InlineData("{\"action_type\":true}", "action_type")]
    [InlineData("{\"operation\":[\"push\"]}", "operation")]
    [InlineData("{\"server\":{}}", "server")]
    [InlineData("{\"record\":\"x\"}", "record")]
    [InlineData("{\"record\":[]}", "record")]
    [InlineData("[]", "runtime.Request")]
    [InlineData("\"x\"", "runtime.Request")]
    [InlineData("5", "runtime.Request")]
    public void Wrong_types_are_errors(string json, string mentions)
    {
        var error = ParseError(json);
        Assert.StartsWith("json: cannot unmarshal", error);
        Assert.Contains(mentions, error);
    }

    [Fact]
    public void Top_level_null_is_an_empty_request()
    {
        var r = Parse("null");
        Assert.Equal("", r.ActionType);
        Assert.Equal("runtime.default.require_approval", new DecisionEngine(clock: Conformance.Clock()).Evaluate(r).RuleId);
    }

    [Fact]
    public void Operation_fallback_order()
    {
        Assert.Equal("op", Parse("{\"operation\":\"op\",\"requested_operation\":\"ro\",\"capability\":\"c\"}").EffectiveOperation);
        Assert.Equal("ro", Parse("{\"requested_operation\":\"ro\",\"capability\":\"c\"}").EffectiveOperation);
        Assert.Equal("c", Parse("{\"capability\":\"c\"}").EffectiveOperation);
        Assert.Equal("", Parse("{}").EffectiveOperation);
    }

    [Fact]
    public void Contract_requests_keep_only_the_contract_fields()
    {
        var r = Parse("{\"action_type\":\"release_governance_record\",\"operation\":\"promote\",\"server\":\"s\",\"record\":{\"a\":1},\"requested_operation\":\"verify\",\"release_governance\":{\"metadata_kind\":\"k\"}}");
        Assert.NotNull(r.ReleaseGovernance);
        Assert.Equal(("", "", null), (r.Operation, r.Server, r.Record));
        Assert.Equal("verify", r.RequestedOperation);
        // The contract path ignores runtime-only keys even when they have the wrong type.
        r = Parse("{\"operation\":5,\"release_governance\":{\"metadata_kind\":\"k\"}}");
        Assert.NotNull(r.ReleaseGovernance);
    }

    [Fact]
    public void A_type_error_in_the_contract_falls_back_to_the_runtime_request()
    {
        // docs/design/decisions.md §2.1 subtlety: "blocked_count":"1" fails the typed parse; the runtime parse ignores release_governance.
        var r = Parse("{\"action_type\":\"release_governance_record\",\"release_governance\":{\"metadata_kind\":\"release-connector-delivery\",\"blocked_count\":\"1\"}}");
        Assert.Null(r.ReleaseGovernance);
        var d = new DecisionEngine(clock: Conformance.Clock()).Evaluate(r);
        Assert.Equal("release_governance.record.missing", d.RuleId);
        // So does a malformed runner_auth.
        r = Parse("{\"action_type\":\"release_governance_record\",\"runner_auth\":{\"identity\":{\"run_id\":7}},\"release_governance\":{\"metadata_kind\":\"k\"}}");
        Assert.Null(r.ReleaseGovernance);
        r = Parse("{\"runner_auth\":{\"algorithm\":\"HMAC-SHA256\",\"identity\":{\"provider\":\"github-actions\"}},\"release_governance\":{\"metadata_kind\":\"k\"}}");
        Assert.NotNull(r.ReleaseGovernance);
        // And when both parses fail, the runtime parse's error is reported.
        Assert.Contains("target", ParseError("{\"target\":1,\"release_governance\":{\"blocked_count\":\"1\"}}"));
    }

    [Fact]
    public void Null_release_governance_is_absent()
    {
        var r = Parse("{\"action_type\":\"release_governance_record\",\"operation\":\"x\",\"release_governance\":null}");
        Assert.Null(r.ReleaseGovernance);
        Assert.Equal("x", r.Operation);
    }

    [Fact]
    public void Repeated_object_keys_merge_like_Go_maps()
    {
        var r = Parse("{\"record\":{\"a\":1,\"b\":2},\"Record\":{\"b\":3}}");
        Assert.Equal(2, r.Record!.Count);
        Assert.Equal("3", r.Record.Get("b")!.ToString());
        r = Parse("{\"record\":{\"a\":1},\"Record\":null}");
        Assert.Null(r.Record);
    }

    [Fact]
    public void Lone_surrogates_become_replacement_characters()
    {
        var r = Parse("{\"target\":\"a\\ud800b\",\"tool\":\"\\ud83d\\ude00\"}");
        Assert.Equal("a\uFFFDb", r.Target);
        Assert.Equal("\U0001F600", r.Tool);
    }

    [Fact]
    public void Runtime_payload_is_compact_ordered_and_escaped_like_Go()
    {
        var r = new ActionRequest
        {
            ActionType = "execute_command", Target = "a < b && c > d\n\"q\"\\", PolicyPack = "p", Capability = "\u2028",
            Record = (JsonObject)StrictJsonParser.Parse("{\"k\": [1, 2.50, true, null, \"é\"]}"),
        };
        Assert.Equal("{\"action_type\":\"execute_command\",\"target\":\"a \\u003c b \\u0026\\u0026 c \\u003e d\\n\\\"q\\\"\\\\\",\"policy_pack\":\"p\",\"capability\":\"\\u2028\",\"record\":{\"k\":[1,2.50,true,null,\"é\"]}}",
            r.ToRuntimeJson());
        Assert.Equal("{}", new ActionRequest().ToRuntimeJson());
        Assert.Equal("{\"target\":\"\\ufffd\\u0001\"}", new ActionRequest { Target = "\ud800\u0001" }.ToRuntimeJson());
    }

    [Fact]
    public void Runtime_payload_round_trips()
    {
        var r = new ActionRequest
        {
            SessionId = "s", AgentId = "a", Actor = "x", ActionType = "mcp_tool_call", Target = "t", Operation = "o", RequestedOperation = "ro",
            PolicyPack = "p", Server = "srv", Tool = "tl", Capability = "c", Record = (JsonObject)StrictJsonParser.Parse("{\"a\":{\"b\":[]}}"),
        };
        var again = Parse(r.ToRuntimeJson());
        Assert.Equal(r.ToRuntimeJson(), again.ToRuntimeJson());
        Assert.Equal("srv", again.Server);
        var clone = r.Clone();
        clone.Target = "other";
        Assert.Equal("t", r.Target);
    }
}
