using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Cavra.Gate.FileSystem;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Notifications
{
    /// <summary>The providers a connector config may name (docs/design/notifications.md §2).</summary>
    public static class ConnectorProviders
    {
        public const string Webhook = "webhook";
        public const string Slack = "slack";
        public const string Teams = "teams";
        public const string Jira = "jira";
        public const string ServiceNow = "servicenow";

        public static readonly IReadOnlyList<string> All = new[] { Webhook, Slack, Teams, Jira, ServiceNow };

        public static bool IsKnown(string provider) => All.Contains(provider, StringComparer.Ordinal);
    }

    /// <summary>
    /// One request header of a connector. Its value is never public: it is a literal from the file or read from an
    /// environment variable when the config is read, and only <see cref="ConnectorClient"/> puts it on the wire
    /// (docs/design/notifications.md §11).
    /// </summary>
    public sealed class ConnectorHeader : ICanonicalJson
    {
        internal ConnectorHeader(string name, string environmentVariable, string? value)
        { Name = name; EnvironmentVariable = environmentVariable; Value = value; }

        public string Name { get; }
        /// <summary>The variable the value is read from, or "" for a literal value.</summary>
        public string EnvironmentVariable { get; }
        public bool FromEnvironment => EnvironmentVariable.Length > 0;
        /// <summary>The secret itself; null when the variable is not set.</summary>
        internal string? Value { get; }
        public override string ToString() => FromEnvironment ? $"{Name}: (from environment variable {EnvironmentVariable})" : $"{Name}: (literal, hidden)";

        /// <summary>The name and where the value comes from; never the value.</summary>
        public void WriteJson(CanonicalJsonWriter w) => w.StartObject()
            .Property("name", Name)
            .Property("environment_variable", EnvironmentVariable)
            .EndObject();
    }

    /// <summary>
    /// One configured connector. <see cref="Url"/> is the display form (scheme://host:port/path; the path shows as /(hidden) for slack and
    /// teams, whose incoming-webhook URL is itself the credential): the URL as configured, with its user info, query and
    /// path, is only held internally for sending. A connector whose environment variables are not set is listed, not
    /// usable: <see cref="Valid"/> is false and <see cref="Message"/> names the variable.
    /// </summary>
    public sealed class Connector : ICanonicalJson
    {
        public const double DefaultTimeoutSeconds = 10;
        public const int DefaultRetries = 2;
        public const double MinTimeoutSeconds = 0.1;
        public const double MaxTimeoutSeconds = 300;
        public const int MaxRetries = 10;
        public const string DefaultIssueType = "Task";
        public const string DefaultCategory = "software";

        internal Connector(string provider, string displayUrl, string urlEnvironmentVariable, Uri? requestUri, double timeoutSeconds, int retries,
            IReadOnlyList<ConnectorHeader> headers, string projectKey, string issueType, string category, string problem)
        {
            Provider = provider; DisplayUrl = displayUrl; UrlEnvironmentVariable = urlEnvironmentVariable; RequestUri = requestUri;
            TimeoutSeconds = timeoutSeconds; Retries = retries; Headers = headers; ProjectKey = projectKey; IssueType = issueType;
            Category = category; Message = problem.Length == 0 ? $"connector {provider} is ready" : problem;
            Valid = problem.Length == 0;
        }

        public string Provider { get; }
        /// <summary>The display form of the URL (never user info, query or a webhook secret path); same as <see cref="DisplayUrl"/>.</summary>
        public string Url => DisplayUrl;
        public string DisplayUrl { get; }
        /// <summary>The variable the URL is read from, or "" when the file holds it.</summary>
        public string UrlEnvironmentVariable { get; }
        public double TimeoutSeconds { get; }
        public TimeSpan Timeout => TimeSpan.FromTicks((long)Math.Round(TimeoutSeconds * TimeSpan.TicksPerSecond));
        public int Retries { get; }
        /// <summary>1 + <see cref="Retries"/>.</summary>
        public int MaxAttempts => 1 + Retries;
        public IReadOnlyList<ConnectorHeader> Headers { get; }
        /// <summary>jira only: the project the issue is created in.</summary>
        public string ProjectKey { get; }
        /// <summary>jira only: the issue type's name (default Task).</summary>
        public string IssueType { get; }
        /// <summary>servicenow only: the incident category (default software).</summary>
        public string Category { get; }
        public bool Valid { get; }
        public string Message { get; }
        /// <summary>The URL as configured (may hold a secret); null when it could not be resolved.</summary>
        internal Uri? RequestUri { get; }

        public override string ToString() => $"{Provider} {DisplayUrl}";

        public void WriteJson(CanonicalJsonWriter w) => w.StartObject()
            .Property("provider", Provider)
            .Property("url", DisplayUrl)
            .Property("url_environment_variable", UrlEnvironmentVariable)
            .Property("timeout_seconds", TimeoutSeconds)
            .Property("retries", Retries)
            .Property("headers", Headers)
            .Property("project_key", ProjectKey)
            .Property("issue_type", IssueType)
            .Property("category", Category)
            .Property("valid", Valid)
            .Property("message", Message)
            .EndObject();
    }

    /// <summary>
    /// The connector config file (<c>CAVRA_CONNECTOR_CONFIG</c>), our shape (docs/design/notifications.md §2):
    /// <c>{"connectors": [{"provider", "url", "headers", "timeout_seconds", "retries"}]}</c> plus <c>project_key</c> /
    /// <c>issue_type</c> for jira and <c>category</c> for servicenow. Read strictly: unknown members, unknown or duplicate
    /// providers, a URL that is not absolute http(s) (plain http only to a loopback host), user info in a URL, a timeout
    /// outside 0.1–300 s or retries outside 0–10 make the file unusable (<see cref="Readable"/> false: nothing is sent).
    /// A header or URL given as <c>{"env": "NAME"}</c> whose variable is not set makes only that connector unusable.
    /// No message ever holds a header value, a URL's user info or query, or a value read from the environment.
    /// </summary>
    public sealed class ConnectorConfig : ICanonicalJson
    {
        public const string NotConfiguredMessage = "connector config path is not configured";

        private static readonly HashSet<string> ConnectorMembers = new HashSet<string>(StringComparer.Ordinal)
            { "provider", "url", "headers", "timeout_seconds", "retries", "project_key", "issue_type", "category" };

        // Set by HttpClient from the body or the connection: a configured value would fight ours or smuggle a second request.
        private static readonly HashSet<string> ReservedHeaders = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
            { "Host", "Content-Type", "Content-Length", "Transfer-Encoding", "Connection", "Expect", "Upgrade", "TE", "Trailer", "Keep-Alive", "Proxy-Connection" };

        private ConnectorConfig(string path, bool readable, IReadOnlyList<Connector> connectors, IReadOnlyList<string> problems)
        {
            Path = path; Readable = readable; Connectors = connectors; Problems = problems;
            Valid = readable && problems.Count == 0 && connectors.All(c => c.Valid);
            Message = Valid
                ? $"connector config is valid: {connectors.Count} connector(s) ({string.Join(", ", connectors.Select(c => c.Provider))})"
                : string.Join("; ", problems.Concat(connectors.Where(c => !c.Valid).Select(c => c.Message)));
        }

        public string Path { get; }
        /// <summary>The file was read and every connector is well formed (a connector may still lack an environment variable).</summary>
        public bool Readable { get; }
        /// <summary>Readable and every connector usable.</summary>
        public bool Valid { get; }
        public string Message { get; }
        public IReadOnlyList<string> Problems { get; }
        /// <summary>The connectors in file order; empty when the file is not <see cref="Readable"/>.</summary>
        public IReadOnlyList<Connector> Connectors { get; }

        /// <summary>The connector for <paramref name="provider"/>, or null.</summary>
        public Connector? Find(string provider) => Connectors.FirstOrDefault(c => c.Provider == provider);

        public override string ToString() => Message;

        /// <summary>What the config holds, with every secret left out (docs/design/notifications.md §11).</summary>
        public void WriteJson(CanonicalJsonWriter w) => w.StartObject()
            .Property("path", Path)
            .Property("readable", Readable)
            .Property("valid", Valid)
            .Property("message", Message)
            .Property("problems", Problems)
            .Property("connectors", Connectors)
            .EndObject();

        /// <summary>Reads the config at <paramref name="path"/>; <paramref name="environment"/> resolves <c>{"env": "NAME"}</c> references
        /// (<c>Environment.GetEnvironmentVariable</c> in production). Never throws on bad input.</summary>
        public static ConnectorConfig Read(InputFiles files, string path, Func<string, string?> environment)
        {
            if (files == null) throw new ArgumentNullException(nameof(files));
            if (environment == null) throw new ArgumentNullException(nameof(environment));
            path ??= "";
            if (path.Length == 0) return Unreadable(path, NotConfiguredMessage);
            var document = files.ReadObject(path);
            if (!document.Valid) return Unreadable(path, $"connector config {path}: {document.Message}");
            return FromJson(document.Payload, path, environment);
        }

        /// <summary>Validates a parsed config document (see <see cref="Read"/>).</summary>
        public static ConnectorConfig FromJson(JsonObject document, string path, Func<string, string?> environment)
        {
            var problems = new List<string>();
            foreach (var m in document.Members)
                if (m.Key != "connectors") problems.Add($"connector config has an unknown member '{m.Key}' (only 'connectors')");
            if (!(document.Get("connectors") is JsonArray list) || list.Count == 0)
            {
                problems.Add("connector config must have a non-empty 'connectors' list");
                return new ConnectorConfig(path, false, Array.Empty<Connector>(), problems);
            }

            var connectors = new List<Connector>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < list.Count; i++)
            {
                var c = ReadConnector(list.Items[i], i, environment, problems);
                if (c == null) continue;
                if (!seen.Add(c.Provider)) problems.Add($"connectors[{i}]: provider {c.Provider} is configured more than once");
                else connectors.Add(c);
            }
            return problems.Count > 0
                ? new ConnectorConfig(path, false, Array.Empty<Connector>(), problems)
                : new ConnectorConfig(path, true, connectors, problems);
        }

        private static ConnectorConfig Unreadable(string path, string message) =>
            new ConnectorConfig(path, false, Array.Empty<Connector>(), new[] { message });

        private static Connector? ReadConnector(JsonValue value, int index, Func<string, string?> environment, List<string> problems)
        {
            string at = $"connectors[{index}]";
            if (!(value is JsonObject o)) { problems.Add($"{at} must be an object"); return null; }
            int before = problems.Count;

            string provider = o.Get("provider") is JsonString p ? p.Value : "";
            if (provider.Length == 0) { problems.Add($"{at} must have a provider ({string.Join(", ", ConnectorProviders.All)})"); return null; }
            if (!ConnectorProviders.IsKnown(provider))
            {
                problems.Add($"{at}: provider '{provider}' is not supported (use one of {string.Join(", ", ConnectorProviders.All)})");
                return null;
            }
            at = $"{at} ({provider})";
            foreach (var m in o.Members)
                if (!ConnectorMembers.Contains(m.Key)) problems.Add($"{at} has an unknown member '{m.Key}'");

            var missing = new List<string>(); // unset variables: the connector is listed but unusable
            string urlVariable = "";
            string? urlText = null;
            switch (o.Get("url"))
            {
                case JsonString s: urlText = s.Value; break;
                case JsonObject env when EnvReference(env, $"{at} url", problems, out urlVariable):
                    urlText = environment(urlVariable);
                    if (string.IsNullOrEmpty(urlText)) { missing.Add($"url reads environment variable {urlVariable}, which is not set"); urlText = null; }
                    break;
                case JsonObject _: break; // EnvReference named the problem
                case null: problems.Add($"{at} must have a url"); break;
                default: problems.Add($"{at} url must be a string or {{\"env\": \"NAME\"}}"); break;
            }
            Uri? uri = null;
            string display = "";
            if (urlText != null)
            {
                string source = urlVariable.Length > 0 ? $"the url in environment variable {urlVariable}" : "url";
                uri = CheckUrl(urlText, provider, $"{at} {source}", problems);
                if (uri != null) display = DisplayUrl(uri, provider);
            }

            double timeout = Connector.DefaultTimeoutSeconds;
            switch (o.Get("timeout_seconds"))
            {
                case null: break;
                case JsonNumber n when n.Value >= Connector.MinTimeoutSeconds && n.Value <= Connector.MaxTimeoutSeconds: timeout = n.Value; break;
                default: problems.Add($"{at} timeout_seconds must be a number from {Connector.MinTimeoutSeconds.ToString(CultureInfo.InvariantCulture)} to {Connector.MaxTimeoutSeconds.ToString(CultureInfo.InvariantCulture)}"); break;
            }
            int retries = Connector.DefaultRetries;
            switch (o.Get("retries"))
            {
                case null: break;
                case JsonNumber n when n.IsInteger && n.Value >= 0 && n.Value <= Connector.MaxRetries: retries = (int)n.Value; break;
                default: problems.Add($"{at} retries must be a whole number from 0 to {Connector.MaxRetries}"); break;
            }

            var headers = new List<ConnectorHeader>();
            switch (o.Get("headers"))
            {
                case null: break;
                case JsonObject h: ReadHeaders(h, at, environment, headers, missing, problems); break;
                default: problems.Add($"{at} headers must be an object of header names to values"); break;
            }

            string projectKey = ProviderText(o, "project_key", ConnectorProviders.Jira, provider, at, problems);
            if (provider == ConnectorProviders.Jira && !IsProjectKey(projectKey))
                problems.Add($"{at} must have a project_key of upper-case letters, digits and '_', starting with a letter");
            string issueType = ProviderText(o, "issue_type", ConnectorProviders.Jira, provider, at, problems);
            string category = ProviderText(o, "category", ConnectorProviders.ServiceNow, provider, at, problems);

            if (problems.Count > before) return null;
            string problem = missing.Count == 0 ? "" : $"connector {provider} is not usable: {string.Join("; ", missing)}";
            return new Connector(provider, display, urlVariable, uri, timeout, retries, headers, projectKey,
                issueType.Length > 0 ? issueType : provider == ConnectorProviders.Jira ? Connector.DefaultIssueType : "",
                category.Length > 0 ? category : provider == ConnectorProviders.ServiceNow ? Connector.DefaultCategory : "",
                problem);
        }

        private static void ReadHeaders(JsonObject h, string at, Func<string, string?> environment, List<ConnectorHeader> headers,
            List<string> missing, List<string> problems)
        {
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var m in h.Members)
            {
                string name = m.Key;
                if (!IsToken(name)) { problems.Add($"{at} header name '{Printable(name)}' is not a valid HTTP header name"); continue; }
                if (ReservedHeaders.Contains(name)) { problems.Add($"{at} header {name} is set by the connector client and cannot be configured"); continue; }
                if (!names.Add(name)) { problems.Add($"{at} header {name} is configured more than once"); continue; }
                switch (m.Value)
                {
                    case JsonString s when s.Value.Length == 0:
                        problems.Add($"{at} header {name} has an empty value"); break;
                    case JsonString s when !IsFieldValue(s.Value):
                        problems.Add($"{at} header {name} value holds a line break or control character"); break;
                    case JsonString s:
                        headers.Add(new ConnectorHeader(name, "", s.Value)); break;
                    case JsonObject env when EnvReference(env, $"{at} header {name}", problems, out var variable):
                        string? secret = environment(variable);
                        if (string.IsNullOrEmpty(secret)) { missing.Add($"header {name} reads environment variable {variable}, which is not set"); secret = null; }
                        else if (!IsFieldValue(secret!)) { problems.Add($"{at} header {name}: environment variable {variable} holds a line break or control character"); continue; }
                        headers.Add(new ConnectorHeader(name, variable, secret)); break;
                    case JsonObject _: break;
                    default: problems.Add($"{at} header {name} must be a string or {{\"env\": \"NAME\"}}"); break;
                }
            }
        }

        private static bool EnvReference(JsonObject o, string what, List<string> problems, out string variable)
        {
            variable = o.Count == 1 && o.Get("env") is JsonString s ? s.Value : "";
            if (variable.Length > 0 && IsVariableName(variable)) return true;
            problems.Add($"{what} must be a string or {{\"env\": \"NAME\"}} naming an environment variable");
            variable = "";
            return false;
        }

        private static string ProviderText(JsonObject o, string key, string owner, string provider, string at, List<string> problems)
        {
            var v = o.Get(key);
            if (v == null) return "";
            if (provider != owner) { problems.Add($"{at}: {key} applies only to the {owner} provider"); return ""; }
            if (v is JsonString s && s.Value.Length > 0 && IsFieldValue(s.Value)) return s.Value;
            problems.Add($"{at} {key} must be a non-empty single-line string");
            return "";
        }

        /// <summary>Absolute http(s); plain http only to a loopback host (a local relay or a test receiver); no user info.
        /// The message never repeats the URL: it may hold a secret.</summary>
        private static Uri? CheckUrl(string text, string provider, string what, List<string> problems)
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                || uri.Host.Length == 0)
            {
                problems.Add($"{what} must be an absolute http or https URL");
                return null;
            }
            if (uri.UserInfo.Length > 0)
            {
                problems.Add($"{what} must not hold user info (put credentials in a header read from the environment)");
                return null;
            }
            if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
            {
                problems.Add($"{what} must use https (plain http is allowed only to a loopback host)");
                return null;
            }
            return uri;
        }

        /// <summary>scheme://host:port/path; slack and teams incoming-webhook paths are the secret, so they show as /(hidden).</summary>
        internal static string DisplayUrl(Uri uri, string provider)
        {
            string authority = $"{uri.Scheme}://{uri.IdnHost}:{uri.Port.ToString(CultureInfo.InvariantCulture)}";
            if (uri.HostNameType == UriHostNameType.IPv6) authority = $"{uri.Scheme}://[{uri.IdnHost.Trim('[', ']')}]:{uri.Port.ToString(CultureInfo.InvariantCulture)}";
            bool secretPath = provider == ConnectorProviders.Slack || provider == ConnectorProviders.Teams;
            return authority + (secretPath ? (uri.AbsolutePath.Length > 1 ? "/(hidden)" : "/") : uri.AbsolutePath);
        }

        private static bool IsToken(string name)
        {
            if (name.Length == 0) return false;
            foreach (char c in name)
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".IndexOf(c) >= 0)) return false;
            return true;
        }

        private static bool IsFieldValue(string value)
        {
            foreach (char c in value) if (c < 0x20 && c != '\t' || c == 0x7f) return false;
            return true;
        }

        private static bool IsVariableName(string name)
        {
            if (name.Length == 0 || char.IsDigit(name[0])) return false;
            foreach (char c in name) if (!(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9')) return false;
            return true;
        }

        private static bool IsProjectKey(string key)
        {
            if (key.Length == 0 || key[0] < 'A' || key[0] > 'Z') return false;
            foreach (char c in key) if (!(c == '_' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9')) return false;
            return true;
        }

        /// <summary>A header name as it may be shown: control characters replaced (a name is not a secret, but it is not trusted text).</summary>
        private static string Printable(string text)
        {
            var chars = text.ToCharArray();
            for (int i = 0; i < chars.Length; i++) if (chars[i] < 0x20 || chars[i] == 0x7f) chars[i] = '?';
            return chars.Length > 64 ? new string(chars, 0, 64) + "…" : new string(chars);
        }
    }
}
