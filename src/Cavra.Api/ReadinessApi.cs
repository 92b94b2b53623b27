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
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cavra.Api;

/// <summary>
/// Upstream's readiness routes (gate.md §4.9) over the gate engine. Every body is the canonical JSON the cmdlets' -AsJson
/// emits; configuration is re-read on every request, so evidence that changes between requests is seen. Errors are JSON
/// <c>{"error": {"code", "message", "status"}}</c> with stable codes and never a stack trace.
/// </summary>
public static class ReadinessApi
{
    public const int MaxBodyBytes = 1024 * 1024;

    private static readonly (string Path, Func<GateContext, ICanonicalJson> Report)[] ReportRoutes =
    {
        ("/deployment/production-readiness", c => ProductionReadinessReport.Evaluate(c)),
        ("/runtime/go-pilot/readiness", c => BackendReadinessReport.Evaluate(c)),
        ("/runtime/go-pilot/deployment-readiness", c => DeploymentReadinessReport.Evaluate(c)),
        ("/runtime/go-pilot/promotion-readiness", c => PromotionReadinessReport.Evaluate(c)),
        ("/runtime/go-pilot/rollback-readiness", c => RollbackReadinessReport.Evaluate(c)),
        ("/runtime/go-pilot/rollback-rehearsal", c => RollbackRehearsalReport.Evaluate(c)),
        ("/runtime/go-pilot/rollback-drills", c => RollbackDrillHistoryReport.Evaluate(c)),
        ("/runtime/go-pilot/rollback-drill-schedule", c => RollbackDrillScheduleReport.Evaluate(c)),
    };

    public static WebApplication Build(ApiOptions options, string? url = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = MaxBodyBytes;
            k.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            k.Limits.MaxRequestLineSize = 8 * 1024;
            k.Listen(options.Address, options.Port);
        });
        var app = builder.Build();

        app.UseExceptionHandler(error => error.Run(context =>
        {
            var ex = context.Features.Get<IExceptionHandlerFeature>()?.Error;
            return ex is SettingsException
                ? Error(context, 500, "settings_invalid", ex.Message)
                : Error(context, 500, "internal_error", "the request could not be evaluated");
        }));
        app.UseStatusCodePages(context => context.HttpContext.Response.HasStarted
            ? Task.CompletedTask
            : context.HttpContext.Response.StatusCode switch
            {
                404 => Error(context.HttpContext, 404, "not_found", $"no route for {context.HttpContext.Request.Path}"),
                405 => Error(context.HttpContext, 405, "method_not_allowed", $"{context.HttpContext.Request.Method} is not allowed on {context.HttpContext.Request.Path}"),
                413 => Error(context.HttpContext, 413, "body_too_large", $"request bodies are limited to {MaxBodyBytes} bytes"),
                431 => Error(context.HttpContext, 431, "headers_too_large", "request headers are too large"),
                int s => Error(context.HttpContext, s, "http_" + s, "the request was rejected"),
            });
        app.Use(async (context, next) =>
        {
            // These routes take no parameters: a query string is a client mistake, not something to ignore silently.
            if (context.Request.QueryString.HasValue) { await Error(context, 400, "query_not_supported", "these routes take no query string"); return; }
            await next(context);
        });

        app.MapGet("/healthz", () => Results.Text("{\n  \"status\": \"ok\"\n}", "application/json"));
        foreach (var (path, report) in ReportRoutes)
            app.MapGet(path, () => Json(report(Context(options))));
        app.MapPost("/runtime/go-pilot/evaluate", (HttpContext http) => Evaluate(http, options));
        return app;
    }

    private static GateContext Context(ApiOptions options) => new(ApiSettings.Resolve(options.SettingsPath), new InputFiles());

    private static IResult Json(ICanonicalJson value) => Results.Text(CanonicalJsonWriter.Serialize(value), "application/json", Encoding.UTF8);

    private static async Task Evaluate(HttpContext http, ApiOptions options)
    {
        var body = new MemoryStream();
        try { await http.Request.Body.CopyToAsync(body, http.RequestAborted); }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex) when (ex.StatusCode == 413) { await Error(http, 413, "body_too_large", $"request bodies are limited to {MaxBodyBytes} bytes"); return; }
        if (!StrictJsonParser.TryParse(body.ToArray(), out var json, out var parseError)) { await Error(http, 400, "invalid_json", parseError!.Message); return; }
        if (json is not JsonObject) { await Error(http, 400, "invalid_request", "the request must be a JSON object"); return; }
        if (!ActionRequest.TryParse(json, out var request, out var error)) { await Error(http, 400, "invalid_request", error); return; }
        var context = Context(options);
        var record = new PilotEvaluator(context, new OneShotRuntimeClient(context.Files)).Evaluate(request, http.RequestAborted);
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(CanonicalJsonWriter.Serialize(record), http.RequestAborted);
    }

    private static Task Error(HttpContext http, int status, string code, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        var w = new CanonicalJsonWriter();
        w.StartObject().Name("error").StartObject().Property("code", code).Property("message", message).Property("status", status).EndObject().EndObject();
        return http.Response.WriteAsync(w.ToString());
    }
}
