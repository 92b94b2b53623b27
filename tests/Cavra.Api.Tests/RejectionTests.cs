using System.Net;
using System.Text;
using Cavra.Gate.Configuration;
using Cavra.Gate.Json;
using Cavra.Gate.Tests;

namespace Cavra.Api.Tests;

/// <summary>Everything a client can get wrong is refused with the right status and, wherever the application sees the
/// request, a JSON error with a stable code; nothing ever carries a stack trace.</summary>
public sealed class RejectionTests : IAsyncLifetime
{
    private readonly EvidenceSet _evidence = new();
    private ApiServer _api = null!;

    public async Task InitializeAsync() =>
        _api = await ApiServer.StartAsync(SettingsFile.Write(Path.Combine(_evidence.Directory, "api-settings.json"), _evidence.Parameters()));

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        _evidence.Dispose();
    }

    /// <summary>Asserts the body is exactly the API's error document for this status and code.</summary>
    internal static void AssertError(HttpStatusCode status, string body, int expectedStatus, string code)
    {
        Assert.Equal(expectedStatus, (int)status);
        Assert.True(StrictJsonParser.TryParse(Encoding.UTF8.GetBytes(body), out var json, out _), "not JSON: " + body);
        var error = Assert.IsType<JsonObject>(Assert.IsType<JsonObject>(json).Members.Single(m => m.Key == "error").Value);
        Assert.Equal(new[] { "code", "message", "status" }, error.Members.Select(m => m.Key));
        Assert.Equal(code, ((JsonString)error.Members[0].Value).Value);
        Assert.Equal(expectedStatus, ((JsonNumber)error.Members[2].Value).Value);
        AssertNoStackTrace(body);
    }

    internal static void AssertNoStackTrace(string text)
    {
        Assert.DoesNotContain("   at ", text);
        Assert.DoesNotContain("Exception", text);
        Assert.DoesNotContain(".cs:line", text);
    }

    [Theory]
    [InlineData("GET", "/nope", 404, "not_found")]
    [InlineData("GET", "/", 404, "not_found")]
    [InlineData("GET", "/runtime/go-pilot", 404, "not_found")]
    [InlineData("GET", "/runtime/go-pilot/readiness/extra", 404, "not_found")]
    [InlineData("POST", "/runtime/go-pilot/readiness", 405, "method_not_allowed")]
    [InlineData("PUT", "/deployment/production-readiness", 405, "method_not_allowed")]
    [InlineData("DELETE", "/healthz", 405, "method_not_allowed")]
    [InlineData("GET", "/runtime/go-pilot/evaluate", 405, "method_not_allowed")]
    [InlineData("HEAD", "/runtime/go-pilot/promotion-readiness", 405, "")]
    [InlineData("GET", "/healthz?x=1", 400, "query_not_supported")]
    [InlineData("GET", "/runtime/go-pilot/promotion-readiness?", 400, "query_not_supported")]
    [InlineData("GET", "/deployment/production-readiness?%zz", 400, "query_not_supported")]
    [InlineData("GET", "/runtime/go-pilot/rollback-drills?section=%E2%82%AC&x=%00", 400, "query_not_supported")]
    [InlineData("GET", "/nope?x=1", 400, "query_not_supported")]
    public async Task Refuses_with_a_stable_code(string method, string path, int status, string code)
    {
        var (actual, body, _) = await _api.SendAsync(new HttpMethod(method), path);
        if (method == "HEAD") { Assert.Equal(status, (int)actual); Assert.Empty(body); return; }
        AssertError(actual, body, status, code);
    }

    [Fact]
    public async Task A_wrong_method_names_the_allowed_one()
    {
        var (_, _, response) = await _api.SendAsync(HttpMethod.Post, "/runtime/go-pilot/rollback-readiness");
        Assert.Equal("GET", Assert.Single(response.Content.Headers.Allow));
        (_, _, response) = await _api.SendAsync(HttpMethod.Get, "/runtime/go-pilot/evaluate");
        Assert.Equal("POST", Assert.Single(response.Content.Headers.Allow));
    }

    [Fact]
    public async Task A_query_string_is_refused_on_the_evaluate_route_too()
    {
        var (status, body, _) = await _api.SendAsync(HttpMethod.Post, "/runtime/go-pilot/evaluate?mode=promoted", Encoding.UTF8.GetBytes("{\"action_type\": \"read_file\", \"target\": \"a\"}"));
        AssertError(status, body, 400, "query_not_supported");
    }

    [Fact]
    public async Task Oversized_headers_are_refused_by_Kestrel_with_431()
    {
        var (status, head, body) = await _api.RawAsync(ApiServer.Ascii(
            $"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: {new string('a', ReadinessApi.MaxHeaderBytes + 1024)}\r\n\r\n"));
        Assert.Equal(431, status);
        Assert.Empty(body);
        AssertNoStackTrace(head);
    }

    [Fact]
    public async Task Too_many_headers_are_refused_with_431()
    {
        var request = new StringBuilder("GET /healthz HTTP/1.1\r\nHost: localhost\r\n");
        for (int i = 0; i < 100; i++) request.Append($"X-H{i}: {i}\r\n");
        var (status, _, body) = await _api.RawAsync(ApiServer.Ascii(request.Append("\r\n").ToString()));
        Assert.Equal(431, status);
        Assert.Empty(body);
    }

    [Fact]
    public async Task An_oversized_request_line_is_refused_with_414()
    {
        var (status, _, body) = await _api.RawAsync(ApiServer.Ascii($"GET /{new string('a', 9000)} HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        Assert.Equal(414, status);
        Assert.Empty(body);
    }

    [Theory]
    [InlineData("GET /healthz?a=\u0001 HTTP/1.1\r\nHost: localhost\r\n\r\n")]       // control character in the query
    [InlineData("GET /healthz?a=b c HTTP/1.1\r\nHost: localhost\r\n\r\n")]          // space inside the target
    [InlineData("GET /healthz\u0000 HTTP/1.1\r\nHost: localhost\r\n\r\n")]          // NUL in the path
    [InlineData("HELLO\r\n\r\n")]                                                     // not HTTP at all
    [InlineData("GET /healthz HTTP/1.1\r\n\r\n")]                                     // HTTP/1.1 without Host
    [InlineData("GET /healthz HTTP/1.1\r\nHost: localhost\r\nBad Header\r\n\r\n")]   // header without a colon
    public async Task A_malformed_request_is_refused_with_400(string request)
    {
        var (status, head, body) = await _api.RawAsync(ApiServer.Ascii(request));
        Assert.Equal(400, status);
        AssertNoStackTrace(head + body);
    }

    [Fact]
    public async Task A_malformed_chunked_body_is_a_JSON_bad_request()
    {
        var (status, _, body) = await _api.RawAsync(ApiServer.Ascii(
            "POST /runtime/go-pilot/evaluate HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"));
        AssertError((HttpStatusCode)status, body, 400, "bad_request");
    }

    [Fact]
    public async Task A_body_over_one_MiB_is_refused_with_413()
    {
        var big = Encoding.UTF8.GetBytes("{\"action_type\": \"read_file\", \"target\": \"" + new string('a', ReadinessApi.MaxBodyBytes) + "\"}");
        var (status, body, _) = await _api.SendAsync(HttpMethod.Post, "/runtime/go-pilot/evaluate", big);
        AssertError(status, body, 413, "body_too_large");

        // Without a Content-Length the limit holds while the body streams in.
        using var request = new HttpRequestMessage(HttpMethod.Post, "runtime/go-pilot/evaluate") { Content = new StreamContent(new MemoryStream(big)) };
        request.Headers.TransferEncodingChunked = true;
        using var response = await _api.Client.SendAsync(request);
        AssertError(response.StatusCode, await response.Content.ReadAsStringAsync(), 413, "body_too_large");
    }

    public static TheoryData<string, byte[], string> MalformedBodies() => new()
    {
        { "empty", Array.Empty<byte>(), "invalid_json" },
        { "whitespace", Encoding.UTF8.GetBytes("  \n"), "invalid_json" },
        { "truncated", Encoding.UTF8.GetBytes("{\"action_type\": \"read_file\""), "invalid_json" },
        { "not JSON", Encoding.UTF8.GetBytes("{oops"), "invalid_json" },
        { "trailing data", Encoding.UTF8.GetBytes("{} {}"), "invalid_json" },
        { "invalid UTF-8", new byte[] { (byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}' }, "invalid_json" },
        { "duplicate keys", Encoding.UTF8.GetBytes("{\"action_type\": \"read_file\", \"action_type\": \"write_file\", \"target\": \"a\"}"), "invalid_json" },
        { "NaN", Encoding.UTF8.GetBytes("{\"action_type\": \"read_file\", \"target\": \"a\", \"x\": NaN}"), "invalid_json" },
        { "nested 100 deep", Encoding.UTF8.GetBytes(new string('[', 100) + new string(']', 100)), "invalid_json" },
        { "an array", Encoding.UTF8.GetBytes("[]"), "invalid_request" },
        { "a string", Encoding.UTF8.GetBytes("\"read_file\""), "invalid_request" },
        { "null", Encoding.UTF8.GetBytes("null"), "invalid_request" },
        { "a number for action_type", Encoding.UTF8.GetBytes("{\"action_type\": 7, \"target\": \"a\"}"), "invalid_request" },
        { "a list for target", Encoding.UTF8.GetBytes("{\"action_type\": \"read_file\", \"target\": [\"a\"]}"), "invalid_request" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task A_malformed_evaluate_body_is_a_400_with_a_stable_code(string name, byte[] body, string code)
    {
        var (status, text, _) = await _api.SendAsync(HttpMethod.Post, "/runtime/go-pilot/evaluate", body);
        Assert.True((int)status == 400, $"{name}: {(int)status} {text}");
        AssertError(status, text, 400, code);
    }

    [Fact]
    public async Task A_settings_file_broken_after_start_is_a_500_settings_invalid_on_every_route()
    {
        string settings = Path.Combine(_evidence.Directory, "broken-settings.json");
        SettingsFile.Write(settings, new GateParameters { Mode = BackendMode.Shadow });
        await using var api = await ApiServer.StartAsync(settings);
        foreach (var broken in new[] { "{\"mode\": 5}", "{oops", "{\"mode\": \"sideways\"}", "{\"unknown_key\": \"x\"}", "{\"timeout_seconds\": -1}" })
        {
            File.WriteAllText(settings, broken);
            var (status, body, _) = await api.GetAsync("/runtime/go-pilot/readiness");
            AssertError(status, body, 500, "settings_invalid");
            Assert.DoesNotContain(settings, body); // a client learns that the settings are broken, not where they live
            Assert.DoesNotContain(Path.GetFileName(settings), body);
            (status, body, _) = await api.SendAsync(HttpMethod.Post, "/runtime/go-pilot/evaluate", Encoding.UTF8.GetBytes("{\"action_type\": \"read_file\", \"target\": \"a\"}"));
            AssertError(status, body, 500, "settings_invalid");
        }
        File.Delete(settings);
        var (s, b, _) = await api.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, s); // health says the process answers; it does not judge configuration
        (s, b, _) = await api.GetAsync("/runtime/go-pilot/readiness");
        AssertError(s, b, 500, "settings_invalid");
    }

    [Fact]
    public async Task An_unexpected_failure_is_a_500_internal_error_without_details()
    {
        await using var api = await ApiServer.StartAsync(null);
        api.Options.Environment = name => throw new InvalidOperationException("secret internal detail at /home/someone/x.cs");
        var (status, body, _) = await api.GetAsync("/deployment/production-readiness");
        AssertError(status, body, 500, "internal_error");
        Assert.DoesNotContain("secret", body);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/healthz")).Status);
    }
}
