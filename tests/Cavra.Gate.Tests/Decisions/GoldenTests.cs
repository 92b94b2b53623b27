using Cavra.Gate.Decisions;
using Cavra.Gate.Json;

namespace Cavra.Gate.Tests.Decisions;

/// <summary>The upstream fixtures of docs/design/decisions.md §7, read from the vendored tests/conformance at test time.</summary>
public class GoldenTests
{
    public static IEnumerable<object[]> ParityCases() => Conformance.CaseNames("parity_cases.json");
    public static IEnumerable<object[]> RecordCases() => Conformance.CaseNames("release_governance_records.json");
    public static IEnumerable<object[]> ContractCases() => Conformance.CaseNames("release_governance_contracts.json");

    [Fact]
    public void Fixture_files_have_the_documented_case_counts()
    {
        Assert.Equal(23, ((JsonArray)Conformance.Read("parity_cases.json")).Count);
        Assert.Equal(4, ((JsonArray)Conformance.Read("release_governance_records.json")).Count);
        Assert.Equal(7, ((JsonArray)Conformance.Read("release_governance_contracts.json")).Count);
    }

    [Theory]
    [MemberData(nameof(ParityCases))]
    public void Parity_case(string name)
    {
        var c = Conformance.Case("parity_cases.json", name);
        var registryFile = Conformance.Text(c, "registry");
        var engine = new DecisionEngine(null, registryFile.Length > 0 ? Conformance.RegistryFixture(registryFile) : null, Conformance.Clock());
        Assert.True(ActionRequest.TryParse(c.Get("request")!, out var request, out var error), error);
        var d = engine.Evaluate(request);
        Conformance.AssertExpected((JsonObject)c.Get("expected")!, d, approverExact: false);
        Assert.Equal(request.PolicyPack, d.PolicyPack);
    }

    [Theory]
    [MemberData(nameof(RecordCases))]
    public void Release_governance_record_case(string name)
    {
        var c = Conformance.Case("release_governance_records.json", name);
        Assert.True(ActionRequest.TryParse(c.Get("request")!, out var request, out var error), error);
        Assert.NotNull(request.Record);
        var d = new DecisionEngine(clock: Conformance.Clock()).Evaluate(request);
        Conformance.AssertExpected((JsonObject)c.Get("expected")!, d, approverExact: false);
        Assert.Equal("release_governance_record", d.ActionType);
        Assert.Equal(BuiltInPolicyPacks.Baseline, d.PolicyPack);
    }

    [Theory]
    [MemberData(nameof(ContractCases))]
    public void Release_governance_contract_case(string name)
    {
        var c = Conformance.Case("release_governance_contracts.json", name);
        Assert.True(ActionRequest.TryParse(c.Get("request")!, out var request, out var error), error);
        Assert.NotNull(request.ReleaseGovernance);
        var d = new DecisionEngine(clock: Conformance.Clock()).Evaluate(request);
        // docs/design/decisions.md §7.3: the approver group is compared exactly, including empty for the allow rows.
        Conformance.AssertExpected((JsonObject)c.Get("expected")!, d, approverExact: true);
        Assert.Equal("verify", d.RequestedOperation);
        Assert.Equal(Conformance.Text((JsonObject)c.Get("request")!, "target"), d.Target);
    }

    [Fact]
    public void Contract_cases_also_decide_the_same_through_the_runtime_payload()
    {
        // The stand-in runtime path: request → ToRuntimeJson → parse again → same decision.
        var engine = new DecisionEngine(clock: Conformance.Clock());
        foreach (JsonObject c in ((JsonArray)Conformance.Read("release_governance_contracts.json")).Items)
        {
            Assert.True(ActionRequest.TryParse(c.Get("request")!, out var request, out _));
            Assert.True(ActionRequest.TryParse(StrictJsonParser.Parse(request.ToRuntimeJson()), out var again, out var error), error);
            var a = engine.Evaluate(request);
            var b = engine.Evaluate(again);
            Assert.Equal((a.Verdict, a.RuleId, a.Severity, a.ApproverGroup), (b.Verdict, b.RuleId, b.Severity, b.ApproverGroup));
        }
    }

    // docs/design/decisions.md §7.4: compiled-policy unit cases from decision_test.go, policy = compiled_policy.json.
    public static IEnumerable<object[]> CompiledCases() => new[]
    {
        new object[] { "{\"action_type\":\"read_file\",\"target\":\"config/prod.secret\"}", "block", "filesystem.read.block", "high", "", "" },
        new object[] { "{\"action_type\":\"execute_command\",\"target\":\"custom scan --check\"}", "allow", "commands.allow", "low", "", "" },
        new object[] { "{\"action_type\":\"mcp_tool_call\",\"server\":\"unknown-provider\",\"tool\":\"read_file\",\"capability\":\"filesystem\"}", "block", "mcp.server.trust.block_unknown", "high", "", "" },
        new object[] { "{\"session_id\":\"compiled-approval\",\"action_type\":\"write_file\",\"target\":\"iam/admin-role.tf\"}", "require_approval", "filesystem.write.require_approval", "high", "Platform Security", "evidence://compiled-approval/" },
    };

    [Theory]
    [MemberData(nameof(CompiledCases))]
    public void Compiled_policy_case(string requestJson, string verdict, string ruleId, string severity, string approver, string refPrefix)
    {
        var engine = new DecisionEngine(Conformance.CompiledPolicyFixture(), null, Conformance.Clock());
        Assert.True(ActionRequest.TryParse(StrictJsonParser.Parse(requestJson), out var request, out var error), error);
        var d = engine.Evaluate(request);
        Assert.Equal(verdict, d.Verdict);
        Assert.Equal(ruleId, d.RuleId);
        Assert.Equal(severity, d.Severity);
        Assert.Equal(approver, d.ApproverGroup);
        Assert.Equal("cavra-go-compiled-fixture", d.PolicyPack);
        Assert.Equal("cavra-go-compiled-fixture", d.PolicyId);
        if (refPrefix.Length > 0) Assert.StartsWith(refPrefix, d.EvidenceRefs[0]);
    }

    [Fact]
    public void Parity_case_outputs_match_the_documented_targets_and_operations()
    {
        var registry = Conformance.RegistryFixture();
        var engine = new DecisionEngine(null, registry, Conformance.Clock());
        var r = new ActionRequest { ActionType = "mcp_tool_call", Server = "github-mcp", Tool = "create_pull_request", Capability = "repository", PolicyPack = "cavra-mcp-enterprise" };
        var d = engine.Evaluate(r);
        Assert.Equal("github-mcp:create_pull_request", d.Target);
        Assert.Equal("repository", d.RequestedOperation); // no operation given: the capability
        var banking = new DecisionEngine(clock: Conformance.Clock()).Evaluate(new ActionRequest
        {
            SessionId = "parity-approval", AgentId = "codex-agent", Actor = "ai-agent", ActionType = "write_file", Target = "iam/admin-role.tf", PolicyPack = "cavra-banking-baseline",
        });
        Assert.Equal("codex-agent", banking.AgentId);
        Assert.Equal("Matched approval-required path policy: iam/**", banking.Reason);
        Assert.Equal("write", banking.RequestedOperation);
    }
}
