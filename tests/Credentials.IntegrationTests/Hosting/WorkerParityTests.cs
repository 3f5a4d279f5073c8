using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Credentials.Functions.Api;
using Credentials.Functions.Connections;
using Credentials.Functions.OAuthConnect;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.Hosting;

// Longer than 250 lines on purpose: the one table of requests and the scenarios both hosts must answer alike.

/// <summary>
/// The same requests against the dev host and against the built app as a real worker process under the test Functions
/// host (tools/WorkerHost), with the same Azurite, local Authress endpoint and sandbox provider: the answers must agree.
/// The worker side runs what Azure runs — FunctionsHttpMiddleware, route values from the worker's routing and binding
/// data, the generated metadata, the timer binding, host.json's empty route prefix and the worker's logging.
/// </summary>
public sealed class WorkerParityTests(ParityHosts parity) : IClassFixture<ParityHosts>
{
    private const string User = ParityHosts.User;

    /// <summary>The table: each request by name, built for one side (tokens are minted per request).</summary>
    private static readonly Dictionary<string, Func<ParitySide, HttpRequestMessage>> Requests = new(StringComparer.Ordinal)
    {
        ["health"] = _ => new(HttpMethod.Get, "api/health"),
        ["health with a method it does not take"] = _ => new(HttpMethod.Put, "api/health"),
        ["an unknown route"] = _ => new(HttpMethod.Get, "api/no-such-thing"),
        ["the root"] = _ => new(HttpMethod.Get, "/"),
        ["a token read"] = side => Authorized(side, HttpMethod.Get, $"api/users/{User}/connections/mail/access-token", side.Stack.CallerToken()),
        ["a token read with minValiditySeconds"] = side =>
            Authorized(side, HttpMethod.Get, $"api/users/{User}/connections/mail/access-token?minValiditySeconds=60", side.Stack.CallerToken()),
        ["a token read without a token"] = _ => new(HttpMethod.Get, $"api/users/{User}/connections/mail/access-token"),
        ["a token read with a malformed token"] = side => Authorized(side, HttpMethod.Get, $"api/users/{User}/connections/mail/access-token", "not-a-jwt"),
        ["a token read by a caller without a grant"] = side =>
            Authorized(side, HttpMethod.Get, $"api/users/{User}/connections/mail/access-token", side.Stack.CallerToken("sc_unknown")),
        ["a token read by the user itself"] = side => Authorized(side, HttpMethod.Get, $"api/users/{User}/connections/mail/access-token", side.Stack.UserToken(User)),
        ["a token read of a missing connection"] = side =>
            Authorized(side, HttpMethod.Get, $"api/users/{User}/connections/missing/access-token", side.Stack.CallerToken()),
        ["a token read of a lost grant"] = side => Authorized(side, HttpMethod.Get, $"api/users/{User}/connections/lost/access-token", side.Stack.CallerToken()),
        ["a token read with an invalid user id"] = side =>
            Authorized(side, HttpMethod.Get, "api/users/not%20valid/connections/mail/access-token", side.Stack.CallerToken()),
        ["a token read with a bad minValiditySeconds"] = side =>
            Authorized(side, HttpMethod.Get, $"api/users/{User}/connections/mail/access-token?minValiditySeconds=abc", side.Stack.CallerToken()),
        ["the list"] = side => Authorized(side, HttpMethod.Get, $"api/users/{User}/connections", side.Stack.CallerToken()),
        ["the list, self-service"] = side => Authorized(side, HttpMethod.Get, $"api/users/{User}/connections", side.Stack.UserToken(User)),
        ["another user's list"] = side => Authorized(side, HttpMethod.Get, $"api/users/{User}/connections", side.Stack.UserToken("u2")),
        ["one connection"] = side => Authorized(side, HttpMethod.Get, $"api/users/{User}/connections/mail", side.Stack.CallerToken()),
        ["a start for an unknown provider"] = side => Authorized(side, HttpMethod.Post, $"api/users/{User}/connections", side.Stack.CallerToken(),
            JsonContent.Create(new { provider = "nope" })),
        ["a completion with a wrong code"] = side => Authorized(side, HttpMethod.Post, $"api/users/{User}/connections/mail/complete", side.Stack.UserToken(User),
            JsonContent.Create(new { completion = "not-a-code" })),
        ["a callback with an unknown state"] = _ => new(HttpMethod.Get, "api/oauth/callback/sandbox?code=abc&state=unknown"),
        ["the RFC 8693 exchange"] = side => Authorized(side, HttpMethod.Post, "api/oauth/token", side.Stack.CallerToken(), Exchange("mail")),
        ["an exchange for a lost grant"] = side => Authorized(side, HttpMethod.Post, "api/oauth/token", side.Stack.CallerToken(), Exchange("lost")),
        ["an exchange with another grant type"] = side => Authorized(side, HttpMethod.Post, "api/oauth/token", side.Stack.CallerToken(),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" })),
        ["a proxied GET"] = side => Authorized(side, HttpMethod.Get, $"api/proxy/users/{User}/connections/mail/api/me", side.Stack.CallerToken(ConnectStack.ProxyCaller)),
        ["a proxied GET by a caller that may only read"] = side =>
            Authorized(side, HttpMethod.Get, $"api/proxy/users/{User}/connections/mail/api/me", side.Stack.CallerToken()),
        ["a proxied path that leaves the API"] = side =>
            Authorized(side, HttpMethod.Get, $"api/proxy/users/{User}/connections/mail/..%2F..%2Fadmin", side.Stack.CallerToken(ConnectStack.ProxyCaller)),
    };

    public static TheoryData<string> RequestNames()
    {
        var names = new TheoryData<string>();
        foreach (var name in Requests.Keys)
        {
            names.Add(name);
        }

        return names;
    }

    [Theory]
    [MemberData(nameof(RequestNames))]
    public async Task Both_hosts_answer_alike(string request)
    {
        var answers = new List<ParityObservation>();
        foreach (var side in parity.Sides)
        {
            using var message = Requests[request](side);
            using var response = await side.Client.SendAsync(message);
            answers.Add(await ParityObservation.OfAsync(response));
        }

        AssertAlike(request, answers[0], answers[1]);
    }

    [Fact]
    public void Both_hosts_connected_the_tables_connections()
    {
        Assert.Empty(parity.SeedingFailures);
    }

    [Fact]
    public async Task The_table_covers_each_status_the_issue_names()
    {
        var statuses = new HashSet<(string, int)>();
        foreach (var (name, build) in Requests)
        {
            using var message = build(parity.RealWorker);
            using var response = await parity.RealWorker.Client.SendAsync(message);
            statuses.Add((name, (int)response.StatusCode));
        }

        Assert.Contains(("health", 200), statuses);
        Assert.Contains(("a token read", 200), statuses);
        Assert.Contains(("a token read without a token", 401), statuses);
        Assert.Contains(("a token read by a caller without a grant", 403), statuses);
        Assert.Contains(("a token read of a missing connection", 404), statuses);
        Assert.Contains(("a token read of a lost grant", 409), statuses);
        Assert.Contains(("an unknown route", 404), statuses);
        Assert.Contains(("the root", 404), statuses);
        Assert.Contains(("the RFC 8693 exchange", 200), statuses);
        Assert.Contains(("a proxied GET", 200), statuses);
        Assert.Contains(("a token read with an invalid user id", 400), statuses);
        Assert.Contains(("a token read with a malformed token", 401), statuses);
        Assert.Contains(("health with a method it does not take", 405), statuses);
        Assert.Contains(("a proxied path that leaves the API", 400), statuses);
    }

    [Fact]
    public async Task A_connect_then_list_and_disconnect_answer_alike()
    {
        var walks = new List<List<(string Step, ParityObservation Observed)>>();
        foreach (var side in parity.Sides)
        {
            var steps = (await side.ConnectAsync(User, "walk")).Steps.ToList();
            using (var list = await side.SendAsync(HttpMethod.Get, $"api/users/{User}/connections", side.Stack.UserToken(User)))
            {
                steps.Add(("list", await ParityObservation.OfAsync(list)));
                Assert.Contains("\"walk\"", await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            using (var disconnect = await side.SendAsync(HttpMethod.Delete, $"api/users/{User}/connections/walk", side.Stack.UserToken(User)))
            {
                steps.Add(("disconnect", await ParityObservation.OfAsync(disconnect)));
                Assert.Equal(HttpStatusCode.NoContent, disconnect.StatusCode);
            }

            using (var again = await side.SendAsync(HttpMethod.Delete, $"api/users/{User}/connections/walk", side.Stack.UserToken(User)))
            {
                steps.Add(("disconnect again", await ParityObservation.OfAsync(again)));
            }

            using (var read = await side.SendAsync(HttpMethod.Get, $"api/users/{User}/connections/walk/access-token", side.Stack.CallerToken()))
            {
                steps.Add(("token read after the disconnect", await ParityObservation.OfAsync(read)));
                Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
            }

            Assert.Null(await side.RecordAsync(User, "walk"));
            walks.Add(steps);
        }

        Assert.Equal(walks[0].Select(s => s.Step), walks[1].Select(s => s.Step));
        foreach (var ((step, dev), (_, worker)) in walks[0].Zip(walks[1]))
        {
            AssertAlike(step, dev, worker);
        }
    }

    [Fact]
    public async Task A_maintenance_lap_refreshes_a_stale_connection_and_discards_an_expired_pending_one_on_both_hosts()
    {
        var outcomes = new List<(bool Refreshed, bool PendingDiscarded)>();
        foreach (var side in parity.Sides)
        {
            var user = "maint-" + side.Name.Replace(' ', '-');
            await side.ConnectAsync(user, "stale");
            await side.EditAsync(user, "stale", r => r with { LastRefreshSucceededAt = DateTimeOffset.UtcNow.AddHours(-25) });
            var pending = await side.ConnectAsync(user, "abandoned", complete: false, withReturnUrl: false);
            Assert.Equal("text/html", pending.Steps.Single(s => s.Step == "callback").Observed.ContentType?.Split(';')[0]);
            await ExpirePendingAsync(side, user);
            var refreshesBefore = side.Stack.Sandbox.RefreshGrants;

            await side.RunMaintenanceAsync();

            // The timer plans; the host's queue trigger refreshes a moment later, and stores the outcome after the
            // provider answered: wait for the stored record, not for the provider's counter.
            var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
            var refreshed = false;
            while (!refreshed && DateTimeOffset.UtcNow < deadline)
            {
                var stale = await side.RecordAsync(user, "stale");
                refreshed = stale!.LastRefreshSucceededAt > DateTimeOffset.UtcNow.AddMinutes(-5) && side.Stack.Sandbox.RefreshGrants > refreshesBefore;
                await Task.Delay(refreshed ? TimeSpan.Zero : TimeSpan.FromMilliseconds(100));
            }

            var discarded = (await PendingRowsAsync(side, user)).Count == 0;
            outcomes.Add((refreshed, discarded));
        }

        Assert.All(outcomes, outcome => Assert.Equal((true, true), outcome));
    }

    [Fact]
    public async Task The_worker_reports_the_functions_of_the_generated_metadata()
    {
        var file = Path.Combine(RunningWorkerHost.AppDirectory, "functions.metadata");
        using var generated = JsonDocument.Parse(await File.ReadAllTextAsync(file));
        var expected = generated.RootElement.EnumerateArray()
            .Select(f => Describe(f.GetProperty("name").GetString()!, f.GetProperty("entryPoint").GetString()!, f.GetProperty("scriptFile").GetString()!,
                f.GetProperty("bindings").EnumerateArray().Select(b => b.GetRawText())))
            .Order(StringComparer.Ordinal).ToList();

        var reported = parity.Worker.Host.Worker.Functions
            .Select(f => Describe(f.Name, f.Metadata.EntryPoint, f.Metadata.ScriptFile, f.Metadata.RawBindings))
            .Order(StringComparer.Ordinal).ToList();

        Assert.Equal(expected.Count, reported.Count);
        Assert.All(expected.Zip(reported), pair => Assert.Equal(pair.First, pair.Second));
        Assert.Equal(15, parity.Worker.Host.Worker.Functions.Count(f => f.IsHttp));
        Assert.Equal("Maintenance", Assert.Single(parity.Worker.Host.Worker.Functions, f => f.IsTimer).Name);
    }

    /// <summary>
    /// A form over the 16 KiB limit, with its grant type after the padding (so a body cut at the limit would look like
    /// another grant type): both hosts answer 413 <c>request_too_large</c>, as a JSON body over the limit is answered.
    /// </summary>
    [Fact]
    public async Task A_form_over_the_size_limit_is_413_request_too_large_on_both_hosts()
    {
        var answers = new List<(HttpStatusCode Status, string? Error, string? Code)>();
        foreach (var side in parity.Sides)
        {
            var form = new Dictionary<string, string> { ["padding"] = new('x', 17 * 1024) };
            foreach (var (key, value) in new Dictionary<string, string>
            {
                ["grant_type"] = TokenExchangeRequest.GrantType,
                ["subject_token"] = User,
                ["subject_token_type"] = TokenExchangeRequest.UserIdTokenType,
                ["audience"] = "mail",
            })
            {
                form[key] = value;
            }

            using var message = Authorized(side, HttpMethod.Post, "api/oauth/token", side.Stack.CallerToken(), new FormUrlEncodedContent(form));
            using var response = await side.Client.SendAsync(message);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            answers.Add((response.StatusCode, body.TryGetProperty("error", out var error) ? error.GetString() : null,
                body.TryGetProperty("code", out var code) ? code.GetString() : null));
        }

        Assert.All(answers, answer => Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "invalid_request", "request_too_large"), answer));
    }

    /// <summary>The secret-logging test's checks, against what the worker process wrote and logged over the stream.</summary>
    [Fact]
    public async Task A_connect_under_the_worker_logs_no_code_state_completion_token_or_key()
    {
        var side = parity.RealWorker;
        var walk = await side.ConnectAsync("logged", "mail");
        var record = (await side.RecordAsync("logged", "mail"))!;
        var secrets = side.Store.Services.GetRequiredService<ConnectionSecrets>();
        var firstRefreshToken = await secrets.ReadRefreshTokenAsync(record, CancellationToken.None);
        var firstAccessToken = (await secrets.ReadAccessTokenAsync(record, CancellationToken.None))!;
        await side.EditAsync("logged", "mail", r => r with { AccessTokenExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) });
        string served;
        using (var read = await side.SendAsync(HttpMethod.Get, "api/users/logged/connections/mail/access-token", side.Stack.CallerToken()))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            served = (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        }

        var refreshed = (await side.RecordAsync("logged", "mail"))!;
        string[] secretValues =
        [
            walk.Code, walk.State, walk.Completion, firstRefreshToken, firstAccessToken, served,
            await secrets.ReadRefreshTokenAsync(refreshed, CancellationToken.None),
            side.Stack.Settings["Encryption:LocalKeys:test-0001"]!,
            side.Stack.Settings["Authress:AccessKey"]!,
            side.Stack.Settings[$"Providers:{ConnectStack.ProviderId}:ClientSecret"]!,
        ];

        // The worker's lines arrive over the stream as it writes them; its lines for the hand-out may trail the answer.
        var output = await WorkerOutputWhenAsync(lines => lines.Any(l => l.Contains("authorized: pending completion", StringComparison.Ordinal)));
        Assert.Contains(output, l => l.Contains("authorized: pending completion", StringComparison.Ordinal));
        Assert.All(secretValues, secret => Assert.DoesNotContain(output, line => line.Contains(secret, StringComparison.Ordinal)));
    }

    private async Task<List<string>> WorkerOutputWhenAsync(Func<IReadOnlyCollection<string>, bool> condition)
    {
        for (var attempt = 0; attempt < 50 && !condition(parity.Worker.Output); attempt++)
        {
            await Task.Delay(100);
        }

        return parity.Worker.Output.ToList();
    }

    private static void AssertAlike(string request, ParityObservation devHost, ParityObservation worker) =>
        Assert.True(devHost == worker, $"{request}: the hosts answer differently\n  dev host: {devHost}\n  worker:   {worker}");

    private static HttpRequestMessage Authorized(ParitySide side, HttpMethod method, string path, string bearer, HttpContent? content = null)
    {
        _ = side;
        var message = new HttpRequestMessage(method, path) { Content = content };
        message.Headers.Authorization = new("Bearer", bearer);
        return message;
    }

    private static FormUrlEncodedContent Exchange(string connectionId) => new(new Dictionary<string, string>
    {
        ["grant_type"] = TokenExchangeRequest.GrantType,
        ["subject_token"] = User,
        ["subject_token_type"] = TokenExchangeRequest.UserIdTokenType,
        ["audience"] = connectionId,
    });

    private static string Describe(string name, string entryPoint, string scriptFile, IEnumerable<string> bindings) =>
        $"{name} {entryPoint} {scriptFile} " + string.Join(" ", bindings.Select(Canonical).Order(StringComparer.Ordinal));

    /// <summary>
    /// A binding's JSON with its properties in name order, so that formatting and order do not count; an empty
    /// <c>properties</c> object, which the build writes into functions.metadata and the worker's generated metadata leaves
    /// out, counts as absent.
    /// </summary>
    private static string Canonical(string json)
    {
        static string Of(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.Object => "{" + string.Join(",", element.EnumerateObject()
                .Where(p => !(p.Name == "properties" && p.Value.ValueKind == JsonValueKind.Object && !p.Value.EnumerateObject().Any()))
                .OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => $"\"{p.Name}\":{Of(p.Value)}")) + "}",
            JsonValueKind.Array => "[" + string.Join(",", element.EnumerateArray().Select(Of)) + "]",
            _ => element.GetRawText(),
        };

        using var document = JsonDocument.Parse(json);
        return Of(document.RootElement);
    }

    private static async Task ExpirePendingAsync(ParitySide side, string userId)
    {
        var table = side.Stack.Table(side.StatesTable);
        foreach (var row in await PendingRowsAsync(side, userId))
        {
            row["ExpiresAt"] = DateTimeOffset.UtcNow.AddMinutes(-1);
            await table.UpdateEntityAsync(row, row.ETag);
        }
    }

    private static async Task<List<Azure.Data.Tables.TableEntity>> PendingRowsAsync(ParitySide side, string userId) =>
        (await side.Stack.RowsAsync(side.StatesTable))
            .Where(row => row.RowKey == PendingConnection.RowKey && row.GetString("UserId") == userId).ToList();
}
