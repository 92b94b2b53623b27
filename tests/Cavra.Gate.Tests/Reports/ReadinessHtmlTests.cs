using System.Xml.Linq;
using Cavra.Gate.Readiness;
using Cavra.Gate.Html;
using Cavra.Gate.Tests.Gate;

namespace Cavra.Gate.Tests.Reports;

public sealed class ReadinessHtmlTests : IDisposable
{
    private readonly EvidenceSet _set = new();
    public void Dispose() => _set.Dispose();

    private static readonly HashSet<string> AllowedElements = new()
    {
        "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "p", "section", "footer",
        "dl", "dt", "dd", "table", "thead", "tbody", "tr", "th", "td", "span", "strong", "br",
    };

    /// <summary>The page is XHTML-compatible on purpose: it parses as XML, so a test can see every element and attribute.</summary>
    private static XDocument Parse(string html)
    {
        Assert.StartsWith("<!DOCTYPE html>\n", html);
        return XDocument.Parse(html.Substring("<!DOCTYPE html>".Length));
    }

    [Fact]
    public void A_passing_gate_renders_go_and_every_step_and_check()
    {
        var v = GateVerdict.Evaluate(_set.Context());
        var html = ReadinessHtml.Render(v);
        Assert.Contains("GO: promoted mode selects the Go runtime", html);
        Assert.DoesNotContain("Blocking checks", html);
        foreach (var step in v.Steps)
        {
            Assert.Contains($"id=\"step-{step.Name}\"", html);
            foreach (var check in step.Checks) Assert.Contains($"<td class=\"id\">{check.Id}</td>", html);
        }
        Assert.Equal(v.Steps.Sum(s => s.Checks.Count), CountOf(html, "<td class=\"id\">"));
        Assert.Equal(0, CountOf(html, "<tr class=\"failing\">"));
    }

    [Fact]
    public void A_failing_gate_names_the_first_failing_step_and_lists_its_blocking_checks_first()
    {
        File.Delete(_set.RollbackRehearsalPath);
        var v = GateVerdict.Evaluate(_set.Context());
        var html = ReadinessHtml.Render(v);
        Assert.Contains("NO GO: the built-in .NET backend stays authoritative", html);
        Assert.Contains("<dt>First failing step</dt><dd>rollback_rehearsal</dd>", html);
        Assert.Contains("<dt>Fallback reason</dt><dd>go backend rollback rehearsal check failed</dd>", html);
        int blocking = html.IndexOf("id=\"blocking\"", StringComparison.Ordinal);
        int steps = html.IndexOf("id=\"steps\"", StringComparison.Ordinal);
        Assert.InRange(blocking, 0, steps);
        var blockingSection = html.Substring(blocking, steps - blocking);
        foreach (var c in v.BlockingChecks) Assert.Contains(c.Id, blockingSection);
        Assert.Contains("metadata file is missing", blockingSection);
        Assert.Contains("BLOCKS", html);
    }

    [Fact]
    public void A_gate_that_passes_in_another_mode_says_so()
    {
        var v = GateVerdict.Evaluate(_set.Context(_set.Parameters(Configuration.BackendMode.Shadow)));
        var html = ReadinessHtml.Render(v);
        Assert.Contains("GATE PASSES: the configured mode keeps the built-in .NET backend", html);
        Assert.Contains("<dt>Configured mode</dt><dd>shadow</dd>", html);
    }

    [Fact]
    public void Without_a_schedule_the_schedule_step_is_marked_not_in_gate()
    {
        var v = GateVerdict.Evaluate(_set.Context(_set.Parameters(withSchedule: false)));
        var html = ReadinessHtml.Render(v);
        Assert.Contains("NOT IN GATE", html);
        Assert.Contains("no (no drill schedule is configured)", html);
    }

    [Fact]
    public void The_document_is_self_contained_without_scripts_links_or_external_resources()
    {
        File.Delete(_set.RollbackPlanPath);
        var html = ReadinessHtml.Render(GateVerdict.Evaluate(_set.Context()));
        var doc = Parse(html);
        Assert.All(doc.Descendants(), e => Assert.Contains(e.Name.LocalName, AllowedElements));
        Assert.Single(doc.Descendants("style"));
        foreach (var a in doc.Descendants().Attributes())
        {
            Assert.DoesNotContain(a.Name.LocalName, new[] { "src", "href", "action", "srcset", "background", "style" });
            Assert.False(a.Name.LocalName.StartsWith("on", StringComparison.OrdinalIgnoreCase), a.ToString());
        }
        var css = doc.Descendants("style").Single().Value;
        Assert.DoesNotContain("url(", css);
        Assert.DoesNotContain("@import", css);
        Assert.Contains("default-src 'none'", html);
    }

    [Fact]
    public void Untrusted_evidence_text_is_html_encoded_in_messages_details_and_the_title()
    {
        // A duplicate key is echoed in the check's message; approval_id is echoed in the check's details.
        File.WriteAllText(_set.PromotionEvidencePath,
            "{\"<script>alert('key')</script>\": 1, \"<script>alert('key')</script>\": 2}");
        File.WriteAllText(_set.RollbackPlanPath, File.ReadAllText(_set.RollbackPlanPath)
            .Replace("\"approval_id\": \"", "\"approval_id\": \"<img src=x onerror=alert(1)>&\\\" "));
        var v = GateVerdict.Evaluate(_set.Context());
        Assert.Contains(v.AttentionChecks, c => c.Message.Contains("<script>alert('key')</script>"));

        var html = ReadinessHtml.Render(v, new ReadinessHtmlOptions { Title = "CHG-1 <script>alert('title')</script>", Generator = "\"><script>" });
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(&#39;key&#39;)&lt;/script&gt;", html);
        Assert.Contains("CHG-1 &lt;script&gt;", html);
        var doc = Parse(html);                  // still well-formed
        Assert.DoesNotContain(doc.Descendants(), e => e.Name.LocalName is "script" or "img");
        Assert.Contains(doc.Descendants("td"), td => td.Value.Contains("<script>alert('key')</script>"));
    }

    [Fact]
    public void Control_characters_cannot_break_the_document()
    {
        Assert.Equal("a\uFFFDb\tc\n&lt;d&gt;", ReadinessHtml.Encode("a\u0001b\tc\n<d>"));
        Assert.Equal("", ReadinessHtml.Encode(null));
    }

    [Fact]
    public void Check_details_show_scalars_as_text_and_lists_as_comma_separated_values()
    {
        var v = GateVerdict.Evaluate(_set.Context());
        var routes = v.RollbackDrillSchedule.Checks.Single(c => c.Id == "go_rollback_drill_notification_routes");
        var details = CheckDetails.Lines(routes);
        Assert.Contains("owners: release-governance", details);
        var plan = v.Rollback.Checks.Single(c => c.Id == "go_rollback_plan");
        Assert.Contains("path: " + _set.RollbackPlanPath, CheckDetails.Lines(plan));
    }

    [Fact]
    public void Rendering_is_deterministic_for_one_verdict()
    {
        var v = GateVerdict.Evaluate(_set.Context());
        Assert.Equal(ReadinessHtml.Render(v), ReadinessHtml.Render(v));
        Assert.Contains("2026-11-26 12:00:00 UTC", ReadinessHtml.Render(v));
    }

    private static int CountOf(string text, string part)
    {
        int n = 0, i = 0;
        while ((i = text.IndexOf(part, i, StringComparison.Ordinal)) >= 0) { n++; i += part.Length; }
        return n;
    }
}

public sealed class ReadinessHtmlSaveTests : IDisposable
{
    private readonly EvidenceSet _set = new();
    public void Dispose() => _set.Dispose();

    [Fact]
    public void Save_writes_utf8_without_bom_creates_the_folder_and_replaces_an_existing_file_leaving_no_temporary_file()
    {
        var v = GateVerdict.Evaluate(_set.Context());
        var path = Path.Combine(_set.Directory, "reports", "chg.html");
        ReadinessHtml.Save(path, v, new ReadinessHtmlOptions { Title = "first" });
        ReadinessHtml.Save(path, v, new ReadinessHtmlOptions { Title = "Zweite Änderung" });
        var bytes = File.ReadAllBytes(path);
        Assert.NotEqual(0xEF, bytes[0]);
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        Assert.Equal(ReadinessHtml.Render(v, new ReadinessHtmlOptions { Title = "Zweite Änderung" }), text);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }
}
