using System.Text.Json.Nodes;
using Cavra.Gate.FileSystem;
using Cavra.Gate.Notifications;
using static Cavra.Gate.Tests.Notifications.DeliveryFixture;

namespace Cavra.Gate.Tests.Notifications;

public sealed class ConnectorConfigTests : IDisposable
{
    private const string Secret = "s3cr3t-token-value";
    private readonly DeliveryFixture _f = new();
    public void Dispose() => _f.Dispose();

    private ConnectorConfig One(string connectorJson) => _f.Config($"{{\"connectors\": [{connectorJson}]}}");

    private static void AssertUnreadable(ConnectorConfig c, string message)
    {
        Assert.False(c.Readable);
        Assert.False(c.Valid);
        Assert.Empty(c.Connectors);
        Assert.Equal(message, c.Message);
    }

    [Fact]
    public void Reads_every_provider_with_defaults_and_overrides()
    {
        var c = _f.Config("""
            {"connectors": [
              {"provider": "webhook", "url": "https://hooks.example.test/cavra/notify?sig=abc"},
              {"provider": "slack", "url": "https://hooks.slack.test/services/T0/B0/XYZ", "retries": 0, "timeout_seconds": 0.5},
              {"provider": "teams", "url": "http://127.0.0.1:8080/teams", "retries": 10, "timeout_seconds": 300},
              {"provider": "jira", "url": "https://jira.example.test/rest/api/2/issue", "project_key": "OPS_2", "issue_type": "Incident"},
              {"provider": "servicenow", "url": "https://sn.example.test:8443/api/now/table/incident", "category": "inquiry"}
            ]}
            """);
        Assert.True(c.Valid, c.Message);
        Assert.True(c.Readable);
        Assert.Equal("connector config is valid: 5 connector(s) (webhook, slack, teams, jira, servicenow)", c.Message);
        Assert.Equal(new[] { "webhook", "slack", "teams", "jira", "servicenow" }, c.Connectors.Select(x => x.Provider));
        var webhook = c.Find("webhook")!;
        Assert.Equal("https://hooks.example.test:443/cavra/notify", webhook.Url);
        Assert.Equal(10.0, webhook.TimeoutSeconds);
        Assert.Equal(2, webhook.Retries);
        Assert.Equal(3, webhook.MaxAttempts);
        Assert.Equal("", webhook.ProjectKey);
        var slack = c.Find("slack")!;
        Assert.Equal("https://hooks.slack.test:443/(hidden)", slack.DisplayUrl); // the incoming-webhook path is the credential
        Assert.Equal(0, slack.Retries);
        Assert.Equal(TimeSpan.FromMilliseconds(500), slack.Timeout);
        Assert.Equal("http://127.0.0.1:8080/(hidden)", c.Find("teams")!.Url);
        Assert.Equal(10, c.Find("teams")!.Retries);
        var jira = c.Find("jira")!;
        Assert.Equal(("OPS_2", "Incident", ""), (jira.ProjectKey, jira.IssueType, jira.Category));
        var sn = c.Find("servicenow")!;
        Assert.Equal(("", "inquiry", "https://sn.example.test:8443/api/now/table/incident"), (sn.IssueType, sn.Category, sn.Url));
        Assert.Null(c.Find("pagerduty"));
        Assert.Equal("webhook https://hooks.example.test:443/cavra/notify", webhook.ToString());
    }

    [Fact]
    public void Jira_and_servicenow_defaults()
    {
        var c = _f.Config("""{"connectors": [{"provider": "jira", "url": "https://j.test/x", "project_key": "OPS"}, {"provider": "servicenow", "url": "https://s.test/y"}]}""");
        Assert.True(c.Valid, c.Message);
        Assert.Equal("Task", c.Find("jira")!.IssueType);
        Assert.Equal("software", c.Find("servicenow")!.Category);
    }

    [Fact]
    public void Header_values_come_from_the_file_or_the_environment_and_are_never_shown()
    {
        _f.Environment["CAVRA_TEST_TOKEN"] = Secret;
        var c = One($$$"""{"provider": "webhook", "url": "https://h.test/x", "headers": {"Authorization": {"env": "CAVRA_TEST_TOKEN"}, "X-Api-Key": "{{{Secret}}}-literal"}}""");
        Assert.True(c.Valid, c.Message);
        var headers = c.Connectors[0].Headers;
        Assert.Equal(new[] { "Authorization", "X-Api-Key" }, headers.Select(h => h.Name));
        Assert.Equal(("CAVRA_TEST_TOKEN", true), (headers[0].EnvironmentVariable, headers[0].FromEnvironment));
        Assert.Equal(("", false), (headers[1].EnvironmentVariable, headers[1].FromEnvironment));
        Assert.Equal("Authorization: (from environment variable CAVRA_TEST_TOKEN)", headers[0].ToString());
        Assert.Equal("X-Api-Key: (literal, hidden)", headers[1].ToString());
        // No public member of the config, its connectors or headers holds the secret.
        foreach (var o in new object[] { c, c.Connectors[0], headers[0], headers[1] })
        {
            Assert.DoesNotContain(Secret, o.ToString());
            foreach (var p in o.GetType().GetProperties().Where(p => p.GetMethod!.IsPublic))
                Assert.DoesNotContain(Secret, Convert.ToString(p.GetValue(o) is System.Collections.IEnumerable e and not string
                    ? string.Join(",", e.Cast<object>()) : p.GetValue(o)) ?? "");
        }
    }

    [Fact]
    public void The_config_writes_json_without_any_secret()
    {
        _f.Environment["CAVRA_TEST_TOKEN"] = Secret;
        _f.Environment["CAVRA_TEST_URL"] = "https://hooks.slack.test/services/" + Secret + "?k=" + Secret;
        var c = _f.Config($$$"""
            {"connectors": [
              {"provider": "webhook", "url": "https://h.test/x?sig={{{Secret}}}", "timeout_seconds": 2.5, "headers": {"Authorization": {"env": "CAVRA_TEST_TOKEN"}, "X-Key": "{{{Secret}}}"}},
              {"provider": "slack", "url": {"env": "CAVRA_TEST_URL"}, "retries": 0}
            ]}
            """);
        Assert.Equal("""
            {"path":"connectors.json","readable":true,"valid":true,"message":"connector config is valid: 2 connector(s) (webhook, slack)","problems":[],"connectors":[{"provider":"webhook","url":"https://h.test:443/x","url_environment_variable":"","timeout_seconds":2.5,"retries":2,"headers":[{"name":"Authorization","environment_variable":"CAVRA_TEST_TOKEN"},{"name":"X-Key","environment_variable":""}],"project_key":"","issue_type":"","category":"","valid":true,"message":"connector webhook is ready"},{"provider":"slack","url":"https://hooks.slack.test:443/(hidden)","url_environment_variable":"CAVRA_TEST_URL","timeout_seconds":10.0,"retries":0,"headers":[],"project_key":"","issue_type":"","category":"","valid":true,"message":"connector slack is ready"}]}
            """, Cavra.Gate.Serialization.CanonicalJsonWriter.Serialize(c, indented: false));
    }

    [Fact]
    public void A_missing_environment_variable_makes_only_that_connector_unusable_and_names_the_variable()
    {
        var c = _f.Config("""
            {"connectors": [
              {"provider": "webhook", "url": "https://h.test/x", "headers": {"Authorization": {"env": "CAVRA_MISSING_TOKEN"}}},
              {"provider": "slack", "url": {"env": "CAVRA_MISSING_SLACK_URL"}},
              {"provider": "teams", "url": "https://t.test/y"}
            ]}
            """);
        Assert.True(c.Readable);
        Assert.False(c.Valid);
        Assert.Equal(new[] { false, false, true }, c.Connectors.Select(x => x.Valid));
        Assert.Equal("connector webhook is not usable: header Authorization reads environment variable CAVRA_MISSING_TOKEN, which is not set",
            c.Connectors[0].Message);
        Assert.Equal("connector slack is not usable: url reads environment variable CAVRA_MISSING_SLACK_URL, which is not set", c.Connectors[1].Message);
        Assert.Equal("", c.Connectors[1].Url);
        Assert.Equal("connector teams is ready", c.Connectors[2].Message);
        Assert.Equal(c.Connectors[0].Message + "; " + c.Connectors[1].Message, c.Message);
    }

    [Fact]
    public void A_url_from_the_environment_is_checked_without_repeating_it()
    {
        _f.Environment["CAVRA_SLACK_URL"] = "ftp://user:" + Secret + "@h.test/x";
        AssertUnreadable(One("""{"provider": "slack", "url": {"env": "CAVRA_SLACK_URL"}}"""),
            "connectors[0] (slack) the url in environment variable CAVRA_SLACK_URL must be an absolute http or https URL");
        _f.Environment["CAVRA_SLACK_URL"] = "https://hooks.slack.test/services/" + Secret;
        var c = One("""{"provider": "slack", "url": {"env": "CAVRA_SLACK_URL"}}""");
        Assert.True(c.Valid, c.Message);
        Assert.Equal(("https://hooks.slack.test:443/(hidden)", "CAVRA_SLACK_URL"), (c.Connectors[0].Url, c.Connectors[0].UrlEnvironmentVariable));
    }

    [Theory]
    [InlineData("""{"provider": "pagerduty", "url": "https://p.test"}""", "connectors[0]: provider 'pagerduty' is not supported (use one of webhook, slack, teams, jira, servicenow)")]
    [InlineData("""{"url": "https://p.test"}""", "connectors[0] must have a provider (webhook, slack, teams, jira, servicenow)")]
    [InlineData("""{"provider": "webhook"}""", "connectors[0] (webhook) must have a url")]
    [InlineData("""{"provider": "webhook", "url": 5}""", "connectors[0] (webhook) url must be a string or {\"env\": \"NAME\"}")]
    [InlineData("""{"provider": "webhook", "url": "/relative/path"}""", "connectors[0] (webhook) url must be an absolute http or https URL")]
    [InlineData("""{"provider": "webhook", "url": "file:///etc/passwd"}""", "connectors[0] (webhook) url must be an absolute http or https URL")]
    [InlineData("""{"provider": "webhook", "url": "http://hooks.example.test/x"}""", "connectors[0] (webhook) url must use https (plain http is allowed only to a loopback host)")]
    [InlineData("""{"provider": "webhook", "url": "https://admin:s3cr3t-token-value@h.test/x"}""", "connectors[0] (webhook) url must not hold user info (put credentials in a header read from the environment)")]
    [InlineData("""{"provider": "webhook", "url": {"env": "1BAD"}}""", "connectors[0] (webhook) url must be a string or {\"env\": \"NAME\"} naming an environment variable")]
    [InlineData("""{"provider": "webhook", "url": {"env": "A", "default": "x"}}""", "connectors[0] (webhook) url must be a string or {\"env\": \"NAME\"} naming an environment variable")]
    [InlineData("""{"provider": "webhook", "url": "https://h.test", "timeout_seconds": 0.05}""", "connectors[0] (webhook) timeout_seconds must be a number from 0.1 to 300")]
    [InlineData("""{"provider": "webhook", "url": "https://h.test", "timeout_seconds": 301}""", "connectors[0] (webhook) timeout_seconds must be a number from 0.1 to 300")]
    [InlineData("""{"provider": "webhook", "url": "https://h.test", "timeout_seconds": "10"}""", "connectors[0] (webhook) timeout_seconds must be a number from 0.1 to 300")]
    [InlineData("""{"provider": "webhook", "url": "https://h.test", "retries": 11}""", "connectors[0] (webhook) retries must be a whole number from 0 to 10")]
    [InlineData("""{"provider": "webhook", "url": "https://h.test", "retries": 1.5}""", "connectors[0] (webhook) retries must be a whole number from 0 to 10")]
    [InlineData("""{"provider": "webhook", "url": "https://h.test", "retries": -1}""", "connectors[0] (webhook) retries must be a whole number from 0 to 10")]
    [InlineData("""{"provider": "webhook", "url": "https://h.test", "secret": "x"}""", "connectors[0] (webhook) has an unknown member 'secret'")]
    [InlineData("""{"provider": "webhook", "url": "https://h.test", "headers": []}""", "connectors[0] (webhook) headers must be an object of header names to values")]
    [InlineData("""{"provider": "webhook", "url": "https://h.test", "headers": {"Bad Name": "x"}}""", "connectors[0] (webhook) header name 'Bad Name' is not a valid HTTP header name")]
    [InlineData("""{"provider": "webhook", "url": "https://h.test", "headers": {"Content-Type": "text/plain"}}""", "connectors[0] (webhook) header Content-Type is set by the connector client and cannot be configured")]
    [InlineData("""{"provider": "webhook", "url": "https://h.test", "headers": {"host": "evil.test"}}""", "connectors[0] (webhook) header host is set by the connector client and cannot be configured")]
    [InlineData("""{"provider": "webhook", "url": "https://h.test", "headers": {"X-A": "1", "x-a": "2"}}""", "connectors[0] (webhook) header x-a is configured more than once")]
    [InlineData("""{"provider": "webhook", "url": "https://h.test", "headers": {"X-A": "s3cr3t-token-value\r\nX-B: 1"}}""", "connectors[0] (webhook) header X-A value holds a line break or control character")]
    [InlineData("""{"provider": "webhook", "url": "https://h.test", "headers": {"X-A": ""}}""", "connectors[0] (webhook) header X-A has an empty value")]
    [InlineData("""{"provider": "webhook", "url": "https://h.test", "headers": {"X-A": 1}}""", "connectors[0] (webhook) header X-A must be a string or {\"env\": \"NAME\"}")]
    [InlineData("""{"provider": "jira", "url": "https://h.test"}""", "connectors[0] (jira) must have a project_key of upper-case letters, digits and '_', starting with a letter")]
    [InlineData("""{"provider": "jira", "url": "https://h.test", "project_key": "ops"}""", "connectors[0] (jira) must have a project_key of upper-case letters, digits and '_', starting with a letter")]
    [InlineData("""{"provider": "slack", "url": "https://h.test", "project_key": "OPS"}""", "connectors[0] (slack): project_key applies only to the jira provider")]
    [InlineData("""{"provider": "jira", "url": "https://h.test", "project_key": "OPS", "category": "x"}""", "connectors[0] (jira): category applies only to the servicenow provider")]
    [InlineData("""{"provider": "servicenow", "url": "https://h.test", "category": ""}""", "connectors[0] (servicenow) category must be a non-empty single-line string")]
    [InlineData("""[1]""", "connectors[0] must be an object")]
    public void A_malformed_connector_makes_the_file_unusable_with_a_message_that_names_it(string connector, string message)
    {
        var c = connector.StartsWith('[') ? _f.Config("""{"connectors": [1]}""") : One(connector);
        AssertUnreadable(c, message);
        Assert.DoesNotContain("s3cr3t", c.Message);
    }

    [Fact]
    public void Duplicate_providers_unknown_root_members_and_an_empty_list_are_refused()
    {
        AssertUnreadable(_f.Config("""{"connectors": [{"provider": "slack", "url": "https://a.test"}, {"provider": "slack", "url": "https://b.test"}]}"""),
            "connectors[1]: provider slack is configured more than once");
        AssertUnreadable(_f.Config("""{"connectors": [], "retries": 2}"""),
            "connector config has an unknown member 'retries' (only 'connectors'); connector config must have a non-empty 'connectors' list");
        AssertUnreadable(_f.Config("""{"connectors": {"provider": "slack"}}"""), "connector config must have a non-empty 'connectors' list");
    }

    [Fact]
    public void A_header_variable_holding_a_line_break_is_refused_without_showing_it()
    {
        _f.Environment["CAVRA_TEST_TOKEN"] = Secret + "\r\nX-Injected: 1";
        var c = One("""{"provider": "webhook", "url": "https://h.test/x", "headers": {"Authorization": {"env": "CAVRA_TEST_TOKEN"}}}""");
        AssertUnreadable(c, "connectors[0] (webhook) header Authorization: environment variable CAVRA_TEST_TOKEN holds a line break or control character");
    }

    [Fact]
    public void Loopback_hosts_may_use_plain_http()
    {
        foreach (var url in new[] { "http://127.0.0.1:5000/x", "http://localhost:5000/x", "http://[::1]:5000/x", "http://127.8.9.10/x" })
            Assert.True(One($$"""{"provider": "webhook", "url": "{{url}}"}""").Valid, url);
        Assert.Equal("http://[::1]:5000/x", One("""{"provider": "webhook", "url": "http://[::1]:5000/x"}""").Connectors[0].Url);
    }

    [Fact]
    public void The_file_itself_not_configured_missing_or_not_json()
    {
        AssertUnreadable(ConnectorConfig.Read(new InputFiles(_f.Dir), "", _ => null), "connector config path is not configured");
        AssertUnreadable(ConnectorConfig.Read(new InputFiles(_f.Dir), "nope.json", _ => null), "connector config nope.json: metadata file is missing");
        var c = _f.Config("{\"connectors\": [");
        Assert.False(c.Readable);
        Assert.StartsWith("connector config connectors.json: metadata JSON is invalid: ", c.Message);
        Assert.Equal("connector config connectors.json: metadata JSON must be an object", _f.Config("[]").Message);
    }
}
