using Cavra.Gate.Decisions;
using Cavra.Gate.Json;

namespace Cavra.Gate.Tests.Decisions;

/// <summary>Every rule of the catalogue (docs/design/decisions.md §4.9), with its decision, severity, approver group and reason text.</summary>
public class RuleCatalogueTests
{
    /// <summary>The catalogue (docs/design/decisions.md §4.9) minus <c>runner_auth.invalid</c>, which only the daemon produces.</summary>
    private static readonly string[] Catalogue =
    {
        "filesystem.read.block", "filesystem.write.block", "filesystem.write.require_approval", "filesystem.read.allow", "filesystem.write.allow",
        "commands.block", "commands.allow", "commands.default.require_approval", "git.protected_branch.block_direct_push", "git.allow",
        "mcp.server.trust.block_unknown", "mcp.server.trust.allow", "mcp.registry.unknown", "mcp.registry.blocked",
        "mcp.registry.requires_approval", "mcp.registry.tool_scope", "mcp.registry.capability_scope", "mcp.registry.allow",
        "release_governance.record.missing", "release_governance.approval.approved", "release_governance.approval.missing",
        "release_governance.approval.pending", "release_governance.approval.denied", "release_governance.delivery.failed",
        "release_governance.signal.critical", "release_governance.approval.required", "release_governance.record.verified",
        "release_governance.approval.not_required", "release_governance.approval.unknown", "runtime.default.require_approval",
    };

    private static JsonObject Rec(string json) => (JsonObject)StrictJsonParser.Parse(json);

    /// <summary>(request, use registry, rule, decision, severity, approver, reason).</summary>
    public static IEnumerable<object[]> Rules()
    {
        object[] Row(ActionRequest r, bool registry, string rule, string verdict, string severity, string approver, string reason)
            => new object[] { r, registry, rule, verdict, severity, approver, reason };

        yield return Row(new ActionRequest { ActionType = "read_file", Target = "deploy/id_rsa" }, false,
            "filesystem.read.block", "block", "high", "", "Matched sensitive path policy: **/id_rsa");
        yield return Row(new ActionRequest { ActionType = "write_file", Target = ".github/workflows/ci.yml" }, false,
            "filesystem.write.block", "block", "high", "", "Matched sensitive path policy: .github/workflows/**");
        yield return Row(new ActionRequest { ActionType = "write_file", Target = "security/policy.md" }, false,
            "filesystem.write.require_approval", "require_approval", "high", "Platform Security", "Matched approval-required path policy: security/**");
        yield return Row(new ActionRequest { ActionType = "read_file", Target = "README.md" }, false,
            "filesystem.read.allow", "allow", "low", "", "No sensitive path policy matched.");
        yield return Row(new ActionRequest { ActionType = "write_file", Target = ".env" }, false,
            "filesystem.write.allow", "allow", "low", "", "No sensitive path policy matched.");
        yield return Row(new ActionRequest { ActionType = "execute_command", Target = "git push origin master" }, false,
            "commands.block", "block", "high", "", "Matched blocked command policy: git push origin master");
        yield return Row(new ActionRequest { ActionType = "execute_command", Target = "npm test -- --watch" }, false,
            "commands.allow", "allow", "low", "", "Matched allowed command policy: npm test*");
        yield return Row(new ActionRequest { ActionType = "execute_command", Target = "make" }, false,
            "commands.default.require_approval", "require_approval", "medium", "Repository Owners", "No allow rule matched; review required.");
        yield return Row(new ActionRequest { ActionType = "git_operation", Target = "master", Operation = "push" }, false,
            "git.protected_branch.block_direct_push", "block", "high", "", "Direct push to protected branch is prohibited.");
        yield return Row(new ActionRequest { ActionType = "git_operation", Target = "origin/feature", Operation = "push" }, false,
            "git.allow", "allow", "low", "", "Git operation is allowed by policy.");
        yield return Row(new ActionRequest { ActionType = "mcp_tool_call", Server = "public-browser-mcp", Tool = "fetch", PolicyPack = "cavra-mcp-enterprise" }, false,
            "mcp.server.trust.block_unknown", "block", "high", "", "Untrusted MCP server with filesystem/tool capability is not approved.");
        yield return Row(new ActionRequest { ActionType = "mcp_tool_call", Server = "anything", Tool = "read_file" }, false,
            "mcp.server.trust.allow", "allow", "low", "", "MCP server is trusted for this tool call.");
        yield return Row(new ActionRequest { ActionType = "mcp_tool_call", Server = "nobody", Tool = "x" }, true,
            "mcp.registry.unknown", "block", "high", "", "MCP server is not registered.");
        yield return Row(new ActionRequest { ActionType = "mcp_tool_call", Server = "personal-drive-mcp", Tool = "read_file" }, true,
            "mcp.registry.blocked", "block", "high", "", "MCP server is blocked or denied in the trust registry.");
        yield return Row(new ActionRequest { ActionType = "mcp_tool_call", Server = "filesystem-lab", Tool = "read_file" }, true,
            "mcp.registry.requires_approval", "require_approval", "medium", "AI Governance", "MCP server requires trust approval before use.");
        yield return Row(new ActionRequest { ActionType = "mcp_tool_call", Server = "github-mcp", Tool = "delete_repository" }, true,
            "mcp.registry.tool_scope", "require_approval", "medium", "AI Governance", "MCP tool is outside the server's approved tool scope.");
        yield return Row(new ActionRequest { ActionType = "mcp_tool_call", Server = "github-mcp", Tool = "create_pull_request", Capability = "filesystem" }, true,
            "mcp.registry.capability_scope", "require_approval", "medium", "AI Governance", "MCP capability is outside the server's approved capability scope.");
        yield return Row(new ActionRequest { ActionType = "mcp_tool_call", Server = "github-mcp", Tool = "create_pull_request" }, true,
            "mcp.registry.allow", "allow", "low", "", "MCP server is approved in the trust registry.");
        yield return Row(new ActionRequest { ActionType = "release_governance_record", Target = "prod" }, false,
            "release_governance.record.missing", "require_approval", "medium", "Release Governance", "Release governance record payload is missing.");
        yield return Row(new ActionRequest { ActionType = "release_governance_record", Record = Rec("{\"metadata_kind\":\"rollout-promotion-execution\",\"approval_state\":\"Approved\",\"approval_id\":\"apr_1\"}") }, false,
            "release_governance.approval.approved", "allow", "low", "", "rollout-promotion-execution is backed by an approved release governance approval.");
        yield return Row(new ActionRequest { ActionType = "release_governance_record", Record = Rec("{\"metadata_kind\":\"rollout-promotion-execution\",\"approval_state\":\"approved\"}") }, false,
            "release_governance.approval.missing", "block", "critical", "Release Governance", "rollout-promotion-execution is approved but does not include an approval_id.");
        yield return Row(new ActionRequest { ActionType = "release_governance_record", Record = Rec("{\"metadata_kind\":\"custom-kind\",\"approval\":{\"state\":\" PENDING \"}}") }, false,
            "release_governance.approval.pending", "require_approval", "high", "Release Governance", "custom-kind is waiting for release governance approval.");
        yield return Row(new ActionRequest { ActionType = "release_governance_record", Record = Rec("{\"metadata_kind\":\"rollout-rollback-execution\",\"approval_state\":\"canceled\"}") }, false,
            "release_governance.approval.denied", "block", "critical", "Release Governance", "rollout-rollback-execution is bound to a non-approved approval state: canceled.");
        yield return Row(new ActionRequest { ActionType = "release_governance_record", Record = Rec("{\"metadata_kind\":\"endpoint-management-publication-delivery\"}") }, false,
            "release_governance.delivery.failed", "block", "high", "Release Governance", "endpoint-management-publication-delivery includes failed release delivery evidence.");
        yield return Row(new ActionRequest { ActionType = "release_governance_record", Record = Rec("{\"metadata_kind\":\"endpoint-drift-report\",\"drift_status\":\"non-compliant\"}") }, false,
            "release_governance.signal.critical", "require_approval", "high", "Release Governance", "endpoint-drift-report contains critical release governance signals.");
        yield return Row(new ActionRequest { ActionType = "release_governance_record", Record = Rec("{\"metadata_kind\":\"endpoint-remediation-handoff\"}") }, false,
            "release_governance.approval.required", "require_approval", "high", "Release Governance", "endpoint-remediation-handoff requires an approval record before execution.");
        yield return Row(new ActionRequest { ActionType = "release_governance_record", Record = Rec("{\"metadata_kind\":\"rollout-evidence-capture\"}") }, false,
            "release_governance.record.verified", "allow", "low", "", "rollout-evidence-capture is recognized release governance evidence with no blocking signal.");
        yield return Row(new ActionRequest { ActionType = "release_governance_record", Target = "nightly", Record = Rec("{\"note\":\"x\"}") }, false,
            "release_governance.approval.not_required", "allow", "low", "", "nightly does not require release governance approval.");
        yield return Row(new ActionRequest { ActionType = "release_governance_record", Record = Rec("{\"metadata_kind\":\"k\",\"approval_state\":\"on-hold\"}") }, false,
            "release_governance.approval.unknown", "require_approval", "medium", "Release Governance", "k has an unknown approval state: on_hold.");
        yield return Row(new ActionRequest { ActionType = "delete_database", Target = "prod" }, false,
            "runtime.default.require_approval", "require_approval", "medium", "Repository Owners", "Unknown action type; review required.");
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void Rule(ActionRequest request, bool registry, string rule, string verdict, string severity, string approver, string reason)
    {
        var engine = new DecisionEngine(null, registry ? Conformance.RegistryFixture() : null, Conformance.Clock());
        var d = engine.Evaluate(request);
        Assert.Equal(rule, d.RuleId);
        Assert.Equal(verdict, d.Verdict);
        Assert.Equal(severity, d.Severity);
        Assert.Equal(approver, d.ApproverGroup);
        Assert.Equal(reason, d.Reason);
    }

    [Fact]
    public void Every_catalogue_rule_is_covered_by_a_row()
    {
        var covered = Rules().Select(r => (string)r[2]).ToHashSet();
        Assert.All(Catalogue, c => Assert.Contains(c, covered));
        Assert.Equal(Catalogue.Length, covered.Count);
    }
}
