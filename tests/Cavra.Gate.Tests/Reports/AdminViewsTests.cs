using Cavra.Gate.Configuration;
using Cavra.Gate.Evidence;
using Cavra.Gate.Readiness;
using Cavra.Gate.Html;
using Cavra.Gate.Tests.Gate;

namespace Cavra.Gate.Tests.Reports;

/// <summary>What people read (docs/design/admin-views.md): the file in a check's message, PASS/WARN/FAIL, text instead
/// of type names, and the same page for a verdict however it arrived.</summary>
public sealed class AdminViewsTests : IDisposable
{
    private readonly EvidenceSet _set = new();
    public void Dispose() => _set.Dispose();

    private GateVerdict Broken()
    {
        File.Delete(_set.RollbackRehearsalPath);
        return GateVerdict.Evaluate(_set.Context());
    }

    [Fact]
    public void A_check_message_names_its_file_relative_to_the_current_folder_when_under_it()
    {
        var check = Broken().BlockingChecks.Single(c => c.Id == "go_rollback_rehearsal_evidence");
        Assert.Equal("metadata file is missing", check.Message); // upstream's message, unchanged in JSON
        Assert.Equal(_set.RollbackRehearsalPath, check.Path);
        Assert.Equal("metadata file is missing: cavra-runtime.go-backend-rollback-rehearsal.json", check.MessageFor(_set.Directory));
        Assert.Equal("metadata file is missing: " + _set.RollbackRehearsalPath, check.MessageFor(Path.GetTempPath() + "elsewhere"));
        Assert.Equal("metadata file is missing: " + _set.RollbackRehearsalPath, check.MessageFor(null));
    }

    [Fact]
    public void Relative_paths_only_under_the_folder_itself()
    {
        string sep = Path.DirectorySeparatorChar.ToString();
        string root = Path.GetTempPath().TrimEnd(Path.DirectorySeparatorChar) + sep + "evidence";
        Assert.Equal("a" + sep + "plan.json", ReadinessCheck.RelativePath(root + sep + "a" + sep + "plan.json", root));
        Assert.Equal("a" + sep + "plan.json", ReadinessCheck.RelativePath(root + sep + "a" + sep + "plan.json", root + sep));
        Assert.Equal(root + "-other" + sep + "plan.json", ReadinessCheck.RelativePath(root + "-other" + sep + "plan.json", root));
        Assert.Equal("plan.json", ReadinessCheck.RelativePath("plan.json", root));
        Assert.Equal(root, ReadinessCheck.RelativePath(root, root));
    }

    [Fact]
    public void A_message_without_a_file_or_already_naming_it_is_left_alone()
    {
        Assert.Equal("metadata path is not configured", ReadinessCheck.MessageWithPath("metadata path is not configured", "", "/x"));
        Assert.Equal("could not read /x/a.json", ReadinessCheck.MessageWithPath("could not read /x/a.json", "/x/a.json", "/x"));
        Assert.Equal("must exist: a.json", ReadinessCheck.MessageWithPath("must exist.", "/x/a.json", "/x"));
    }

    [Fact]
    public void Failing_checks_read_FAIL_when_they_block_and_WARN_when_advisory()
    {
        var v = Broken();
        Assert.All(v.BlockingChecks, c => Assert.Equal(CheckOutcome.Fail, c.Outcome));
        var binding = v.AttentionChecks.Single(c => c.Id == "go_promotion_evidence_binding");
        Assert.Equal(CheckOutcome.Warn, binding.Outcome);
        Assert.DoesNotContain(binding, v.BlockingChecks);
        Assert.StartsWith("go_rollback_rehearsal_evidence: FAIL - metadata file is missing: ", v.BlockingChecks[0].ToString());
    }

    [Fact]
    public void The_html_page_shows_FAIL_for_blocking_checks_and_WARN_for_advisory_ones()
    {
        var html = ReadinessHtml.Render(Broken());
        Assert.Contains("<span class=\"badge fail\">FAIL</span></td><td class=\"id\">go_rollback_rehearsal_evidence</td>", html);
        Assert.Contains("<span class=\"badge warn\">WARN</span></td><td class=\"id\">go_promotion_evidence_binding</td>", html);
        Assert.DoesNotContain("<span class=\"badge warn\">WARN</span></td><td class=\"id\">go_rollback_rehearsal_evidence</td>", html);
    }

    [Fact]
    public void Nested_objects_print_what_they_say_not_their_type_names()
    {
        var v = Broken();
        Assert.Equal(v.Summary, v.ToString());
        Assert.Equal("rollback_rehearsal: needs_attention (go_rollback_rehearsal_evidence, go_rollback_rehearsal_simulated, go_rollback_rehearsal_fallback_verified, go_rollback_rehearsal_recovery_sla, go_rollback_rehearsal_evidence_refs)",
            v.RollbackRehearsal.ToString());
        Assert.Equal("runtime: ready", v.Runtime.ToString());
        Assert.Equal(v.Promotion.Evidence.Message, v.Promotion.Evidence.ToString());
        var targets = v.Deployment.Checks.Single(c => c.Id == "go_ci_runner_bundles")["targets"]!;
        Assert.IsAssignableFrom<IReadOnlyList<CiRunnerTarget>>(targets);
        Assert.DoesNotContain("System.", targets.ToString());
        Assert.Contains("(", targets.ToString());
    }

    [Fact]
    public void A_reported_verdict_renders_the_same_page_as_the_live_verdict()
    {
        var v = Broken();
        Assert.Equal(ReadinessHtml.Render(v), ReadinessHtml.Render(ReportedVerdict.From(v)));
        var reported = ReportedVerdict.From(v);
        Assert.Equal("rollback_rehearsal", reported.FailedStep);
        Assert.Equal("promoted", reported.Mode);
        Assert.Equal(v.Steps.Count, reported.Steps.Count);
    }
}
