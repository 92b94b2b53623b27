using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cavra.Gate.Tests;

/// <summary>How the receiver answers one request.</summary>
public sealed record Reply(string Kind, int Status = 200, Task? Release = null)
{
    public static Reply Ok { get; } = new("status", 200);
    public static Reply Code(int status) => new("status", status);
    /// <summary>Never answers: waits until the client gives up (its timeout) or the receiver stops.</summary>
    public static Reply Hang { get; } = new("hang");
    /// <summary>Drops the connection without an answer.</summary>
    public static Reply Close { get; } = new("close");
    /// <summary>Holds the request until <paramref name="release"/> completes, then answers 200.</summary>
    public static Reply HoldUntil(Task release) => new("hold", 200, release);
}

public sealed record ReceivedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, string ContentType, string Body);

/// <summary>
/// A real HTTP receiver (Kestrel on 127.0.0.1, an ephemeral port) for the delivery tests: it answers the scripted
/// replies in order (<see cref="Then"/>), then <see cref="Default"/>, and keeps every request it received.
/// </summary>
public sealed class LoopbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Reply> _script = new();
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();

    private LoopbackReceiver(WebApplication app) { _app = app; }

    public Reply Default { get; set; } = Reply.Ok;
    public IReadOnlyList<ReceivedRequest> Requests => _requests.ToArray();
    public Uri BaseUri { get; private set; } = null!;
    public string Url(string path = "/hook") => new Uri(BaseUri, path).ToString();

    /// <summary>The next requests get these replies, in order.</summary>
    public LoopbackReceiver Then(params Reply[] replies)
    {
        foreach (var r in replies) _script.Enqueue(r);
        return this;
    }

    public static async Task<LoopbackReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new LoopbackReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.BaseUri = new Uri(address.Replace("[::]", "127.0.0.1"));
        return receiver;
    }

    private async Task HandleAsync(HttpContext context)
    {
        string body;
        using (var reader = new StreamReader(context.Request.Body)) body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        _requests.Enqueue(new ReceivedRequest(context.Request.Method, context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "",
            headers, context.Request.ContentType ?? "", body));
        var reply = _script.TryDequeue(out var next) ? next : Default;
        switch (reply.Kind)
        {
            case "hang":
                try { await Task.Delay(Timeout.Infinite, context.RequestAborted); } catch (OperationCanceledException) { }
                break;
            case "hold":
                await Task.WhenAny(reply.Release!, Task.Delay(Timeout.Infinite, context.RequestAborted));
                context.Response.StatusCode = reply.Status;
                await context.Response.WriteAsync("{}");
                break;
            case "close":
                context.Abort();
                break;
            default:
                context.Response.StatusCode = reply.Status;
                await context.Response.WriteAsync("{}");
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
