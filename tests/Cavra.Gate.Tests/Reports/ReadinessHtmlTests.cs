using Cavra.Gate.Readiness;
using Cavra.Gate.Reports;
using Cavra.Gate.Tests.Gate;

namespace Cavra.Gate.Tests.Reports;

public sealed class ReadinessHtmlTests : IDisposable
{
    private readonly EvidenceSet _set = new();
    public void Dispose() => _set.Dispose();

    [Fact]
    public void Shows_the_verdict_and_every_check()
    {
        var verdict = GateVerdict.Evaluate(_set.Context());
        var html = ReadinessHtml.Render(verdict);
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("Go runtime selected", html);
        foreach (var section in verdict.Sections)
            foreach (var check in section.Checks)
                Assert.Contains($"<code>{check.Id}</code>", html);
    }

    [Fact]
    public void Is_self_contained_and_encodes_untrusted_evidence_text()
    {
        File.WriteAllText(_set.RollbackPlanPath, "{\"<script>alert(1)</script>\": 1, \"<script>alert(1)</script>\": 2}");
        var html = ReadinessHtml.Render(GateVerdict.Evaluate(_set.Context()));
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("src=", html);
        Assert.DoesNotContain("href=", html);
        Assert.Contains("&lt;script&gt;", html);
        Assert.Contains("Built-in .NET backend stays authoritative", html);
        Assert.Contains("go backend rollback readiness check failed", html);
    }
}
