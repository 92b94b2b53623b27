using System.Text;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.Pilot;
using Cavra.Gate.Readiness;
using Cavra.Gate.Runtime;
using Cavra.Gate.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Cavra.Gate.FileSystem;

namespace Cavra.Api;

/// <summary>
/// Upstream's readiness routes (docs/design/http-api.md §2) over the gate engine. Every body is the canonical JSON the cmdlets' -AsJson
/// emits (one <see cref="CanonicalJsonWriter"/>); the configuration is re-read on every request, so evidence that changes
/// between requests is seen. Errors are JSON <c>{"error": {"code", "message", "status"}}</c> with stable codes and never
/// a stack trace. Requests that Kestrel itself refuses before the application sees them (an oversized header block: 431;
/// a malformed request line or a control character in the target: 400) get Kestrel's empty-bodied status instead.
/// </summary>
public static class ReadinessApi
{
    /// <summary>Largest accepted request body (the evaluate route); the same bound as every input file.</summary>
    public const int MaxBodyBytes = 1024 * 1024;
    /// <summary>Largest accepted header block; anything larger is answered 431 by Kestrel.</summary>
    public const int MaxHeaderBytes = 32 * 1024;
    public const string JsonContentType = "application/json; charset=utf-8";
    public const string EvaluatePath = "/runtime/go-pilot/evaluate";
    public const string HealthPath = "/healthz";

    /// <summary>The stable error codes, one per way a request can be refused.</summary>
    public static class Codes
    {
        public const string NotFound = "not_found";
        public const string MethodNotAllowed = "method_not_allowed";
        public const string QueryNotSupported = "query_not_supported";
        public const string InvalidJson = "invalid_json";
        public const string InvalidRequest = "invalid_request";
        public const string BodyTooLarge = "body_too_large";
        public const string BadRequest = "bad_request";
        public const string SettingsInvalid = "settings_invalid";
        public const string InternalError = "internal_error";
    }

    /// <summary>Production readiness, then every section route from the map Get-CavraGoReadinessReport uses too (docs/design/http-api.md §2).</summary>
    public static readonly IReadOnlyList<(string Path, Func<GateContext, ICanonicalJson> Report)> ReportRoutes =
        new[] { ("/deployment/production-readiness", (Func<GateContext, ICanonicalJson>)(c => ProductionReadinessReport.Evaluate(c))) }
            .Concat(ReadinessSections.All.Select(s => (s.Route, (Func<GateContext, ICanonicalJson>)(c => s.Evaluate(c)))))
            .ToArray();

    private static readonly string HealthBody = CanonicalJsonWriter.Serialize(new Health());

    public static WebApplication Build(ApiOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = MaxBodyBytes;
            k.Limits.MaxRequestHeadersTotalSize = MaxHeaderBytes;
            k.Limits.MaxRequestHeaderCount = 64;
            k.Limits.MaxRequestLineSize = 8 * 1024;
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            k.Listen(options.Address, options.Port);
        });
        var app = builder.Build();

        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = context =>
            {
                var ex = context.Features.Get<IExceptionHandlerFeature>()?.Error;
                return ex switch
                {
                    // The body must not echo the settings path or its contents to a client: the detail goes to stderr.
                    SettingsException => LogThen(ex.Message, Error(context, 500, Codes.SettingsInvalid, "the server's settings file became unreadable or invalid; its standard error names the problem")),
                    BadHttpRequestException { StatusCode: 413 } => Error(context, 413, Codes.BodyTooLarge, $"request bodies are limited to {MaxBodyBytes} bytes"),
                    BadHttpRequestException bad => Error(context, bad.StatusCode, Codes.BadRequest, "the request could not be read"),
                    _ => Error(context, 500, Codes.InternalError, "the request could not be evaluated"),
                };
            },
        });
        app.UseStatusCodePages(context =>
        {
            var http = context.HttpContext;
            return http.Response.StatusCode switch
            {
                404 => Error(http, 404, Codes.NotFound, $"no route for {http.Request.Path}"),
                405 => Error(http, 405, Codes.MethodNotAllowed, $"{http.Request.Method} is not allowed on {http.Request.Path}"),
                413 => Error(http, 413, Codes.BodyTooLarge, $"request bodies are limited to {MaxBodyBytes} bytes"),
                int s => Error(http, s, s >= 500 ? Codes.InternalError : Codes.BadRequest, "the request was rejected"),
            };
        });
        app.Use((context, next) =>
        {
            // These routes take no parameters: a query string is a client mistake, refused rather than silently ignored
            // (a monitor polling ?section=x must not believe it got a filtered answer).
            return context.Request.QueryString.HasValue
                ? Error(context, 400, Codes.QueryNotSupported, "these routes take no query string")
                : next(context);
        });
        app.UseRouting();

        app.MapGet(HealthPath, context => Json(context, 200, HealthBody));
        foreach (var (path, report) in ReportRoutes)
            app.MapGet(path, context => Json(context, 200, CanonicalJsonWriter.Serialize(report(Context(options)))));
        foreach (var (path, body) in NotificationRoutes.All)
            app.MapGet(path, context => Json(context, 200, CanonicalJsonWriter.Serialize(body(Context(options)))));

        // Each evaluation may start a runtime process: a bounded number run at once, the rest wait their turn.
        var evaluations = new SemaphoreSlim(Math.Max(4, Environment.ProcessorCount * 2));
        app.MapPost(EvaluatePath, context => Evaluate(context, options, evaluations));
        return app;
    }

    /// <summary>A fresh gate context: configuration from the settings file and environment, files read anew, the one clock.</summary>
    internal static GateContext Context(ApiOptions options) =>
        new(ApiSettings.Resolve(options.SettingsPath, options.Environment), new InputFiles(), options.Clock);

    private static async Task Evaluate(HttpContext http, ApiOptions options, SemaphoreSlim evaluations)
    {
        byte[] body = await ReadBody(http.Request, http.RequestAborted);
        if (body.Length == 0) { await Error(http, 400, Codes.InvalidJson, "the request body is empty; expected a JSON object"); return; }
        if (!StrictJsonParser.TryParse(body, out var json, out var parseError)) { await Error(http, 400, Codes.InvalidJson, parseError!.Message); return; }
        if (json is not JsonObject) { await Error(http, 400, Codes.InvalidRequest, "the request must be a JSON object"); return; }
        if (!ActionRequest.TryParse(json, out var request, out var error)) { await Error(http, 400, Codes.InvalidRequest, error); return; }

        var context = Context(options);
        await evaluations.WaitAsync(http.RequestAborted);
        EvaluationRecord record;
        try
        {
            using var pilot = new PilotEvaluator(context, new OneShotRuntimeClient(context.Files));
            record = pilot.Evaluate(request, http.RequestAborted);
        }
        finally { evaluations.Release(); }
        await Json(http, 200, CanonicalJsonWriter.Serialize(record));
    }

    private static async Task<byte[]> ReadBody(HttpRequest request, CancellationToken cancel)
    {
        // Kestrel enforces MaxRequestBodySize while this reads (413 through the exception handler).
        using var buffer = new MemoryStream(request.ContentLength is > 0 and <= MaxBodyBytes ? (int)request.ContentLength.Value : 1024);
        await request.Body.CopyToAsync(buffer, cancel);
        return buffer.ToArray();
    }

    private static Task Json(HttpContext http, int status, string body)
    {
        var response = http.Response;
        response.StatusCode = status;
        response.ContentType = JsonContentType;
        response.Headers.CacheControl = "no-store";
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        response.ContentLength = bytes.Length;
        return response.Body.WriteAsync(bytes, 0, bytes.Length, http.RequestAborted);
    }

    private static Task LogThen(string detail, Task respond)
    {
        try { Console.Error.WriteLine("Cavra.Api: " + detail); } catch (IOException) { }
        return respond;
    }

    /// <summary>Writes <c>{"error": {"code", "message", "status"}}</c>; the message never carries a stack trace.</summary>
    internal static Task Error(HttpContext http, int status, string code, string message)
    {
        if (http.Response.HasStarted) return Task.CompletedTask;
        var w = new CanonicalJsonWriter();
        w.StartObject().Name("error").StartObject().Property("code", code).Property("message", message).Property("status", status).EndObject().EndObject();
        return Json(http, status, w.ToString());
    }

    private sealed class Health : ICanonicalJson
    {
        public void WriteJson(CanonicalJsonWriter w) => w.StartObject().Property("status", "ok").EndObject();
    }
}
