using Cavra.Gate.Json;
using Cavra.Gate.Notifications;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Tests.Notifications;

/// <summary>The exact body each provider receives (docs/design/notifications.md §4).</summary>
public sealed class DeliveryPayloadTests
{
    private static readonly ConnectorConfig Config = ConnectorConfig.FromJson((JsonObject)StrictJsonParser.Parse("""
        {"connectors": [{"provider": "webhook", "url": "https://h.test/x"}, {"provider": "slack", "url": "https://h.test/x"},
          {"provider": "teams", "url": "https://h.test/x"}, {"provider": "jira", "url": "https://h.test/x", "project_key": "OPS"},
          {"provider": "servicenow", "url": "https://h.test/x"}]}
        """), "connectors.json", _ => null);

    // A schedule id with Slack's control characters: Slack's mrkdwn must escape them, the other shapes carry them as text.
    private static NotificationEvent Event(string provider, string status = "overdue", double? days = -1.25, string nextDue = "2026-11-25T12:00:00+00:00",
        string escalation = "cto", string retryOf = "") =>
        new("gordn-aaaaaaaaaaaaaaaa", "gordroute-bbbbbbbbbbbbbbbb", "drill<&>", "prod", status, "release-governance", provider, nextDue, days,
            "docs/runbook.md", 30, escalation, "2026-11-26T12:00:00+00:00", retryOf);

    private static string Payload(string provider, NotificationEvent? e = null) => NotificationPayloads.For(e ?? Event(provider), Config.Find(provider)!);

    private const string WebhookJson = """
        {"schema_version":"cavra.go-backend-rollback-drill-notification.v1","event_type":"cavra.go_backend.rollback_drill.notification","plan_id":"gordn-aaaaaaaaaaaaaaaa","route_key":"gordroute-bbbbbbbbbbbbbbbb","schedule_id":"drill<&>","environment":"prod","schedule_status":"overdue","owner":"release-governance","provider":"webhook","next_due_at":"2026-11-25T12:00:00+00:00","days_until_due":-1.25,"runbook_ref":"docs/runbook.md","acknowledgement_minutes":30,"escalation_owner":"cto","generated_at":"2026-11-26T12:00:00+00:00","retry_of":"","title":"Rollback drill drill<&> is overdue","summary":"Rollback drill drill<&> is overdue in prod. The next drill was due at 2026-11-25T12:00:00+00:00 (1.25 days ago). release-governance should acknowledge within 30 minutes, else it escalates to cto."}
        """;

    private const string SlackJson = """
        {"text":"Rollback drill drill&lt;&amp;&gt; is overdue in prod. The next drill was due at 2026-11-25T12:00:00+00:00 (1.25 days ago). release-governance should acknowledge within 30 minutes, else it escalates to cto.","blocks":[{"type":"header","text":{"type":"plain_text","text":"Rollback drill drill<&> is overdue"}},{"type":"section","text":{"type":"mrkdwn","text":"Rollback drill drill&lt;&amp;&gt; is overdue in prod. The next drill was due at 2026-11-25T12:00:00+00:00 (1.25 days ago). release-governance should acknowledge within 30 minutes, else it escalates to cto."}},{"type":"context","elements":[{"type":"mrkdwn","text":"plan gordn-aaaaaaaaaaaaaaaa · route gordroute-bbbbbbbbbbbbbbbb"}]}]}
        """;

    private const string TeamsJson = """
        {"@type":"MessageCard","@context":"https://schema.org/extensions","summary":"Rollback drill drill<&> is overdue","themeColor":"C62828","title":"Rollback drill drill<&> is overdue","text":"Rollback drill drill<&> is overdue in prod. The next drill was due at 2026-11-25T12:00:00+00:00 (1.25 days ago). release-governance should acknowledge within 30 minutes, else it escalates to cto.","sections":[{"facts":[{"name":"Schedule","value":"drill<&>"},{"name":"Environment","value":"prod"},{"name":"Status","value":"overdue"},{"name":"Next due","value":"2026-11-25T12:00:00+00:00"},{"name":"Owner","value":"release-governance"},{"name":"Acknowledge within","value":"30 minutes"},{"name":"Escalation owner","value":"cto"},{"name":"Runbook","value":"docs/runbook.md"},{"name":"Plan","value":"gordn-aaaaaaaaaaaaaaaa"},{"name":"Route","value":"gordroute-bbbbbbbbbbbbbbbb"}]}]}
        """;

    private const string JiraJson = """
        {"fields":{"project":{"key":"OPS"},"summary":"Rollback drill drill<&> is overdue","description":"Rollback drill drill<&> is overdue in prod. The next drill was due at 2026-11-25T12:00:00+00:00 (1.25 days ago). release-governance should acknowledge within 30 minutes, else it escalates to cto.\n\nSchedule: drill<&>\nEnvironment: prod\nStatus: overdue\nNext due: 2026-11-25T12:00:00+00:00\nOwner: release-governance\nAcknowledge within: 30 minutes\nEscalation owner: cto\nRunbook: docs/runbook.md\nPlan: gordn-aaaaaaaaaaaaaaaa\nRoute: gordroute-bbbbbbbbbbbbbbbb\nRetry of: gordelivery-cccccccccccccccc","issuetype":{"name":"Task"}}}
        """;

    private const string ServicenowJson = """
        {"short_description":"Rollback drill drill<&> is overdue","description":"Rollback drill drill<&> is overdue in prod. The next drill was due at 2026-11-25T12:00:00+00:00 (1.25 days ago). release-governance should acknowledge within 30 minutes, else it escalates to cto.\n\nSchedule: drill<&>\nEnvironment: prod\nStatus: overdue\nNext due: 2026-11-25T12:00:00+00:00\nOwner: release-governance\nAcknowledge within: 30 minutes\nEscalation owner: cto\nRunbook: docs/runbook.md\nPlan: gordn-aaaaaaaaaaaaaaaa\nRoute: gordroute-bbbbbbbbbbbbbbbb","urgency":"1","category":"software"}
        """;

    [Fact]
    public void Webhook_receives_the_event_itself()
    {
        Assert.Equal(WebhookJson, Payload("webhook"));
        Assert.Equal(WebhookJson, CanonicalJsonWriter.Serialize(Event("webhook"), indented: false));
    }

    [Fact]
    public void Slack_receives_text_and_blocks_with_mrkdwn_escaped() => Assert.Equal(SlackJson, Payload("slack"));

    [Fact]
    public void Teams_receives_a_message_card_with_the_facts() => Assert.Equal(TeamsJson, Payload("teams"));

    [Fact]
    public void Jira_receives_create_issue_fields_with_the_configured_project_and_type_and_a_retry_says_what_it_repeats() =>
        Assert.Equal(JiraJson, Payload("jira", Event("jira", retryOf: "gordelivery-cccccccccccccccc")));

    [Fact]
    public void Servicenow_receives_an_incident_with_urgency_and_category() => Assert.Equal(ServicenowJson, Payload("servicenow"));

    [Theory]
    [InlineData("ready", "3", "2E7D32", "Rollback drill drill<&> is scheduled")]
    [InlineData("due_soon", "2", "F9A825", "Rollback drill drill<&> is due soon")]
    [InlineData("overdue", "1", "C62828", "Rollback drill drill<&> is overdue")]
    [InlineData("stale", "1", "C62828", "Rollback drill schedule drill<&> is stale")]
    [InlineData("needs_attention", "1", "C62828", "Rollback drill schedule drill<&> needs attention")]
    public void Status_sets_title_urgency_and_colour(string status, string urgency, string colour, string title)
    {
        var e = Event("teams", status);
        Assert.Equal(title, e.Title);
        Assert.Equal(urgency, NotificationPayloads.Urgency(status));
        Assert.Contains($"\"themeColor\":\"{colour}\"", Payload("teams", e));
        Assert.Contains($"\"urgency\":\"{urgency}\"", Payload("servicenow", Event("servicenow", status)));
    }

    [Fact]
    public void The_summary_says_when_and_who()
    {
        Assert.Equal("Rollback drill drill<&> is due soon in prod. The next drill is due at 2026-11-29T12:00:00+00:00 (in 3 days). "
            + "release-governance should acknowledge within 30 minutes.",
            Event("slack", "due_soon", 3, "2026-11-29T12:00:00+00:00", escalation: "").Summary);
        Assert.Equal("Rollback drill schedule drill<&> is stale in prod. No next due date is known. release-governance should acknowledge within 30 minutes, else it escalates to cto.",
            Event("slack", "stale", null, "").Summary);
    }

    [Fact]
    public void Titles_are_cut_to_each_receivers_limit()
    {
        string id = new('x', 300);
        var e = new NotificationEvent("gordn-a", "gordroute-b", id, "", "ready", "o", "slack", "", null, "", 60, "", "2026-11-26T12:00:00+00:00");
        string Member(string json, params string[] path)
        {
            JsonValue v = StrictJsonParser.Parse(json);
            foreach (var p in path) v = v is JsonArray a ? a.Items[int.Parse(p)] : ((JsonObject)v).Get(p)!;
            return ((JsonString)v).Value;
        }
        string slack = Member(Payload("slack", e), "blocks", "0", "text", "text");
        Assert.Equal((150, "Rollback drill xxx", '…'), (slack.Length, slack[..18], slack[^1]));
        Assert.Equal(255, Member(Payload("jira", e), "fields", "summary").Length);
        Assert.Equal(160, Member(Payload("servicenow", e), "short_description").Length);
        Assert.Equal(e.Title, Member(Payload("teams", e), "title")); // no limit there
        Assert.Equal("ab…", NotificationPayloads.Fit("abcd", 3));
        Assert.Equal("a…", NotificationPayloads.Fit("a\U0001F600d", 3)); // never half a surrogate pair
        Assert.Equal("abc", NotificationPayloads.Fit("abc", 3));
    }

    [Fact]
    public void An_event_and_a_connector_are_required()
    {
        Assert.Throws<ArgumentNullException>(() => NotificationPayloads.For(null!, Config.Connectors[0]));
        Assert.Throws<ArgumentNullException>(() => NotificationPayloads.For(Event("webhook"), null!));
    }
}
