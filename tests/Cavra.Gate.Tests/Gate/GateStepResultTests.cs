using Cavra.Gate.Configuration;
using Cavra.Gate.Readiness;

namespace Cavra.Gate.Tests.Gate;

public sealed class GateStepResultTests : IDisposable
{
    private readonly EvidenceSet _set = new();
    public void Dispose() => _set.Dispose();

    [Fact]
    public void A_passing_gate_has_six_passing_steps_in_gate_order()
    {
        var v = GateVerdict.Evaluate(_set.Context());
        Assert.Equal(new[] { GateStep.Runtime, GateStep.Promotion, GateStep.Rollback, GateStep.RollbackRehearsal, GateStep.RollbackDrillHistory, GateStep.RollbackDrillSchedule },
            v.Steps.Select(s => s.Step));
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 6 }, v.Steps.Select(s => s.Order));
        Assert.Equal(new[] { "runtime", "promotion", "rollback", "rollback_rehearsal", "rollback_drill_history", "rollback_drill_schedule" }, v.Steps.Select(s => s.Name));
        Assert.All(v.Steps, s => { Assert.True(s.Passed); Assert.False(s.Blocking); Assert.True(s.InGate); Assert.Empty(s.BlockingChecks); });
    }

    [Fact]
    public void Every_section_check_belongs_to_exactly_one_step_and_deployment_is_read_by_the_promotion_step()
    {
        var v = GateVerdict.Evaluate(_set.Context());
        var promotion = v.Steps.Single(s => s.Step == GateStep.Promotion);
        Assert.Equal(new ReadinessReport[] { v.Deployment, v.Promotion }, promotion.Reports);
        Assert.Equal(v.Sections.SelectMany(s => s.Checks), v.Steps.SelectMany(s => s.Checks));
        Assert.Equal(v.Deployment.Checks.Concat(v.Promotion.Checks), promotion.Checks);
    }

    [Fact]
    public void Without_a_schedule_the_schedule_step_is_informational_and_never_blocks()
    {
        var v = GateVerdict.Evaluate(_set.Context(_set.Parameters(withSchedule: false)));
        var schedule = v.Steps.Last();
        Assert.False(schedule.InGate);
        Assert.False(schedule.Passed);          // promoted mode asks for a schedule, none is configured
        Assert.False(schedule.Blocking);
        Assert.Empty(schedule.BlockingChecks);
        Assert.True(v.GatePassed);
        Assert.Contains("not in gate", schedule.ToString());
    }

    [Theory]
    [MemberData(nameof(GateVerdictTests.OneBrokenInput), MemberType = typeof(GateVerdictTests))]
    public void The_first_blocking_step_is_the_verdicts_failed_step_with_the_same_reason_and_checks(string input, GateStep step, string reason)
    {
        string path = input switch
        {
            "runtime" => _set.RuntimePath,
            "policy" => _set.PolicyPath,
            "package" => Path.Combine(_set.PackageDir, "cavra-runtime.ci-runner-bundles.json"),
            "promotion" => _set.PromotionEvidencePath,
            "plan" => _set.RollbackPlanPath,
            "rehearsal" => _set.RollbackRehearsalPath,
            "drills" => _set.RollbackDrillHistoryPath,
            _ => _set.RollbackDrillSchedulePath,
        };
        File.Delete(path);
        var v = GateVerdict.Evaluate(_set.Context());
        var first = v.Steps.First(s => s.Blocking);
        Assert.Equal(step, first.Step);
        Assert.Equal(reason, first.Reason);
        Assert.Equal(v.BlockingChecks, first.BlockingChecks);
        Assert.All(first.BlockingChecks, c => Assert.False(c.Passed));
        Assert.All(v.Steps.Where(s => s.Order < first.Order), s => Assert.True(s.Passed));
    }

    [Fact]
    public void The_runtime_opt_in_never_blocks_the_runtime_step()
    {
        // The gate is evaluated as promoted mode evaluates it, so a disabled configuration still judges the evidence.
        var v = GateVerdict.Evaluate(_set.Context(_set.Parameters(BackendMode.Disabled)));
        var runtime = v.Steps[0];
        Assert.True(runtime.Passed);
        Assert.Contains(runtime.Checks, c => c.Id == "go_backend_opt_in");
    }
}
