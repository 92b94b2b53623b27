using Cavra.Gate.Authoring;
using Cavra.Gate.Evidence;
using Cavra.Gate.Json;
using Cavra.Gate.Readiness;
using Cavra.Gate.Tests.Gate;
using Cavra.Gate.Time;
using Cavra.Gate.FileSystem;
using Microsoft.Extensions.Time.Testing;

namespace Cavra.Gate.Tests.Authoring;

/// <summary>The builders: upstream's key order, accepted by the gate's own validators, and a full set that opens the gate.</summary>
[Collection(EvidenceWriterCollection.Name)]
public sealed class EvidenceDraftTests : IDisposable
{
    private readonly EvidenceSet _set = new();
    private static readonly FakeTimeProvider Clock = new(EvidenceSet.Now);

    public void Dispose() => _set.Dispose();

    private GateContext Context => _set.Context(clock: Clock);

    private static IEnumerable<string> KeysOf(string path) => ((JsonObject)StrictJsonParser.Parse(File.ReadAllText(path))).Members.Select(m => m.Key);

    private static string Example(string name) => Path.Combine(EvidenceSet.RepoRoot, "examples", "evidence", name);

    private PromotionEvidenceDraft Promotion()
    {
        var draft = new PromotionEvidenceDraft
        {
            ParityStatus = "pass", DeploymentStatus = "ready", Approved = true, ApprovalId = "apr_1", EvidenceRefs = new[] { "go-runtime-parity://ci/1" },
            GeneratedAt = Clock.GetUtcNow(), ExpiresAt = Clock.GetUtcNow().AddDays(30),
        };
        Assert.Null(draft.BindTo(Context));
        return draft;
    }

    private static RollbackPlanDraft Plan() => new()
    {
        Approved = true, ApprovalId = "apr_rb", MaxRecoveryMinutes = 15, RollbackSteps = new[] { "Set CAVRA_GO_BACKEND_MODE=disabled." },
        EvidenceRefs = new[] { "go-rollback-readiness://ci/ready" },
    };

    private static RollbackRehearsalDraft Rehearsal() => new()
    {
        Status = "pass", Simulated = true, FallbackVerified = true, RecoveryMinutes = 6, RunbookRef = "docs/rehearsal.md",
        EvidenceRefs = new[] { "go-rollback-rehearsal://ci/1" },
    };

    private static RollbackDrillDraft Drill(DateTimeOffset at) => new()
    {
        DrillId = RollbackDrillDraft.NewDrillId(), ExecutedAt = at, Actor = "release-agent", Status = "pass", FallbackVerified = true,
        RecoveryMinutes = 7, MaxRecoveryMinutes = 15, RunbookRef = "docs/drills.md", EvidenceRefs = new[] { "go-rollback-drill://ci/1" },
    };

    [Fact]
    public void A_full_set_written_from_drafts_passes_every_validator_and_selects_go()
    {
        var ctx = Context;
        var promotion = Promotion();
        Assert.True(promotion.Validate(_set.PromotionEvidencePath, ctx).Valid);
        AtomicFileWriter.Write(_set.PromotionEvidencePath, promotion.ToDocument());
        var plan = Plan();
        Assert.True(plan.Validate(_set.RollbackPlanPath).Valid);
        AtomicFileWriter.Write(_set.RollbackPlanPath, plan.ToDocument());
        var planSummary = RollbackPlan.Read(ctx.Files, _set.RollbackPlanPath);
        var rehearsal = Rehearsal();
        Assert.True(rehearsal.Validate(_set.RollbackRehearsalPath, planSummary).Valid);
        AtomicFileWriter.Write(_set.RollbackRehearsalPath, rehearsal.ToDocument(planSummary));
        File.Delete(_set.RollbackDrillHistoryPath);
        var recorded = RollbackDrillRecorder.Append(_set.RollbackDrillHistoryPath, Drill(Clock.GetUtcNow().AddHours(-1)).ToJsonObject(), "production-pilot", 90, Clock);
        Assert.True(recorded.History.Valid, recorded.History.Message);

        // Read back from disk, as the gate does.
        Assert.True(Cavra.Gate.Tests.Promotion.PromotionEvidenceTests.ReadPromotionEvidence(ctx).Valid);
        Assert.True(RollbackRehearsal.Read(ctx.Files, _set.RollbackRehearsalPath, planSummary).Valid);
        var verdict = GateVerdict.Evaluate(_set.Context(clock: Clock));
        Assert.True(verdict.GoSelected, $"{verdict.FailedStep}: {verdict.FallbackReason}");
    }

    [Fact]
    public void Documents_keep_upstream_key_order()
    {
        var dir = _set.Directory;
        AtomicFileWriter.Write(Path.Combine(dir, "p.json"), Promotion().ToDocument());
        Assert.Equal(KeysOf(Example("cavra-runtime.go-backend-promotion-evidence.json"))
            .Concat(new[] { "generated_at", "expires_at", "runtime_sha256", "policy_sha256" }), KeysOf(Path.Combine(dir, "p.json")));

        AtomicFileWriter.Write(Path.Combine(dir, "plan.json"), Plan().ToDocument());
        Assert.Equal(KeysOf(Example("cavra-runtime.go-backend-rollback-plan.json")), KeysOf(Path.Combine(dir, "plan.json")));

        var planSummary = RollbackPlan.Read(new InputFiles(), Path.Combine(dir, "plan.json"));
        AtomicFileWriter.Write(Path.Combine(dir, "rehearsal.json"), Rehearsal().ToDocument(planSummary));
        Assert.Equal(KeysOf(Example("cavra-runtime.go-backend-rollback-rehearsal.json")), KeysOf(Path.Combine(dir, "rehearsal.json")));

        var example = (JsonObject)StrictJsonParser.Parse(File.ReadAllText(Example("cavra-runtime.go-backend-rollback-drills.json")));
        var exampleDrill = (JsonObject)((JsonArray)example.Get("drills")!).Items[0];
        Assert.Equal(exampleDrill.Members.Select(m => m.Key), Drill(Clock.GetUtcNow()).ToJsonObject().Members.Select(m => m.Key));
    }

    [Fact]
    public void The_default_plan_controls_are_upstreams_so_upstream_accepts_the_plan_too()
    {
        var example = (JsonObject)StrictJsonParser.Parse(File.ReadAllText(Example("cavra-runtime.go-backend-rollback-plan.json")));
        Assert.Equal(((JsonArray)example.Get("controls")!).Items.Select(c => ((JsonString)c).Value), RollbackPlanDraft.DefaultControls);
        var withDotnetName = Plan();
        withDotnetName.Controls = RollbackPlanDraft.DefaultControls.Select(c => c == RollbackPlan.UpstreamFallbackControl ? RollbackPlan.FallbackControl : c).ToArray();
        Assert.True(withDotnetName.Validate("plan.json").Valid);
    }

    [Fact]
    public void Promotion_evidence_binding_is_written_and_enforced()
    {
        var draft = Promotion();
        Assert.Equal(64, draft.RuntimeSha256.Length);
        Assert.Equal(draft.RuntimeSha256.ToLowerInvariant(), draft.RuntimeSha256);
        var text = Cavra.Gate.Serialization.CanonicalJsonWriter.Serialize(draft.ToDocument());
        Assert.Contains($"\"generated_at\": \"{IsoTimestamp.Format(Clock.GetUtcNow())}\"", text);

        draft.ExpiresAt = Clock.GetUtcNow().AddSeconds(-1);
        Assert.Contains("has expired", draft.Validate("p.json", Context).Message);

        draft.ExpiresAt = Clock.GetUtcNow().AddDays(1);
        File.AppendAllText(_set.RuntimePath, "tampered\n");
        Assert.Contains(PromotionEvidence.DifferentRuntimeMessage, draft.Validate("p.json", Context).Message);
    }

    [Fact]
    public void Promotion_evidence_is_never_bound_to_a_missing_file()
    {
        File.Delete(_set.PolicyPath);
        var draft = new PromotionEvidenceDraft();
        Assert.Contains("compiled policy", draft.BindTo(Context));
        Assert.Equal("", draft.PolicySha256);
    }

    [Fact]
    public void Failing_parity_or_deployment_is_not_valid_evidence()
    {
        var draft = Promotion();
        draft.ParityStatus = "fail";
        draft.DeploymentStatus = "not_ready";
        var summary = draft.Validate("p.json", Context);
        Assert.False(summary.Valid);
        Assert.Contains("parity_status=pass", summary.Message);
        Assert.Contains("deployment_status=ready", summary.Message);
    }

    [Fact]
    public void Plan_problems_name_the_target_mode_and_controls()
    {
        var draft = Plan();
        draft.TargetMode = "shadow";
        draft.Controls = new[] { "python-fallback-available" };
        var plan = draft.Validate("plan.json");
        Assert.False(plan.Valid);
        var problems = RollbackPlanDraft.Problems(plan);
        Assert.Contains("target_mode=disabled", problems);
        Assert.Contains("missing controls: ", problems);
        Assert.DoesNotContain(RollbackPlan.Texts.Success, problems);
    }

    [Fact]
    public void Rehearsal_links_the_plan_and_names_what_is_missing()
    {
        var plan = Plan().Validate("plan.json");
        var draft = Rehearsal();
        var doc = draft.ToDocument(plan).ToJsonObject();
        Assert.Equal("apr_rb", EvidenceFields.Text(doc, "plan_approval_id"));
        Assert.Equal(15.0, ((JsonNumber)doc.Get("max_recovery_minutes")!).Value);

        draft.Simulated = false;
        draft.RecoveryMinutes = 20;
        var problems = RollbackRehearsalDraft.Problems(draft.Validate("r.json", plan));
        Assert.Contains("simulated=true", problems);
        Assert.Contains("recovery_minutes", problems);

        draft = Rehearsal();
        draft.MaxRecoveryMinutes = 30; // above the plan's 15 (docs/design/README.md §4.6)
        Assert.Contains("must not exceed the rollback plan's", draft.Validate("r.json", plan).Message);
    }

    [Fact]
    public void Drill_ids_are_fresh_and_the_actor_is_optional()
    {
        Assert.Matches("^drill_[0-9a-f]{12}$", RollbackDrillDraft.NewDrillId());
        Assert.NotEqual(RollbackDrillDraft.NewDrillId(), RollbackDrillDraft.NewDrillId());
        var drill = Drill(Clock.GetUtcNow());
        drill.Actor = "";
        Assert.False(drill.ToJsonObject().Contains("actor"));
    }
}
