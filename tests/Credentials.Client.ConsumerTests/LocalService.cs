using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Credentials.Client.ConsumerTests;

/// <summary>
/// The service as a new team runs it: <c>./run.sh</c> on free loopback ports (Azurite, the local Authress endpoint with
/// infra/authress's sample callers, the sandbox provider and the app), and demo-user's connections made the README's way.
/// </summary>
public sealed partial class LocalService : IAsyncLifetime, IDisposable
{
    /// <summary>The user the README connects; infra/authress/examples/sample-callers.json grants on that user.</summary>
    public const string User = "demo-user";

    /// <summary>Reads every user's tokens (<c>credentials-reader</c> on the users collection).</summary>
    public const string Reader = "sc_nightly_sync";

    /// <summary>Calls providers' APIs through the proxy only (<c>credentials-proxy</c>): refused a token read.</summary>
    public const string ProxyCaller = "sc_calendar_assistant";

    private static readonly string[] Scopes = ["sandbox.read"];
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false });
    private Process? _process;
    private int _authressPort;

    /// <summary>The base address to give the client: the app's origin, without <c>api/</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public static string RepositoryRoot => Metadata("RepositoryRoot");

    public static string Metadata(string key) =>
        typeof(LocalService).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(attribute => attribute.Key == key).Value!;

    public async Task InitializeAsync()
    {
        var ports = FreePorts(6);
        _authressPort = ports[1];
        var start = new ProcessStartInfo("bash", "run.sh")
        {
            WorkingDirectory = RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] names = ["PORT", "AUTHRESS_PORT", "SANDBOX_PORT", "AZURITE_BLOB_PORT", "AZURITE_QUEUE_PORT", "AZURITE_TABLE_PORT"];
        for (var i = 0; i < names.Length; i++)
        {
            start.Environment[names[i]] = ports[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, line) => OnLine(line.Data, ready);
        _process.ErrorDataReceived += (_, line) => OnLine(line.Data, null);
        _process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"run.sh stopped before the service was up:\n{Output}"));
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        // run.sh builds the app and two tools first (Debug; incremental after the first time, minutes on a busy machine).
        Uri printed;
        try
        {
            printed = await ready.Task.WaitAsync(TimeSpan.FromMinutes(15));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"run.sh did not print the service's address within 15 minutes:\n{Output}");
        }

        // run.sh prints the URL with api/ ("running at http://127.0.0.1:PORT/api"); the client wants the origin.
        BaseAddress = new Uri(printed.GetLeftPart(UriPartial.Authority) + "/");
    }

    private string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private void OnLine(string? line, TaskCompletionSource<Uri>? ready)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (ready is not null && RunningAt().Match(line) is { Success: true } match)
        {
            ready.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"^Credentials service running at (\S+)")]
    private static partial Regex RunningAt();

    [GeneratedRegex(@"<code id=""completion"">([^<]*)</code>")]
    private static partial Regex CompletionCode();

    /// <summary>A caller token from the local Authress endpoint, as run.sh prints how to get one.</summary>
    public async Task<string> TokenAsync(string subject, bool user = false)
    {
        using var response = await _http.PostAsJsonAsync(
            new Uri($"http://127.0.0.1:{_authressPort}/local/tokens"), user ? (object)new { sub = subject, kind = "user" } : new { sub = subject });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    /// <summary>Connects demo-user's <paramref name="connectionId"/> to the sandbox provider as README "Connect an account" does.</summary>
    public async Task ConnectAsync(string connectionId)
    {
        // The flow's provider code is single-use, so a 503 from a busy machine (the callback's exchange timing out) starts over.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ConnectOnceAsync(connectionId);
                return;
            }
            catch (HttpRequestException exception) when (exception.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < 3)
            {
            }
        }
    }

    private async Task ConnectOnceAsync(string connectionId)
    {
        var userToken = await TokenAsync(User, user: true);
        using var startRequest = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseAddress, $"api/users/{User}/connections"))
        {
            Content = JsonContent.Create(new { provider = "sandbox", connectionId, scopes = Scopes, completion = "server" }),
        };
        startRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", userToken);
        using var started = await _http.SendAsync(startRequest);
        Assert.True(started.StatusCode == HttpStatusCode.Created, await started.Content.ReadAsStringAsync());
        var authorizationUrl = new Uri((await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("authorizationUrl").GetString()!);

        // The consent form, posted as the README's curl does.
        using var consent = new StringContent(authorizationUrl.Query.TrimStart('?') + "&sandbox_user=demo&sandbox_decision=approve",
            Encoding.ASCII, "application/x-www-form-urlencoded");
        using var approved = await _http.PostAsync(new Uri(authorizationUrl.GetLeftPart(UriPartial.Path)), consent);
        Assert.Equal(HttpStatusCode.Found, approved.StatusCode);
        var page = await _http.GetStringAsync(approved.Headers.Location!);
        var completion = CompletionCode().Match(page).Groups[1].Value;

        using var complete = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseAddress, $"api/users/{User}/connections/{connectionId}/complete"))
        {
            Content = JsonContent.Create(new { completion }),
        };
        complete.Headers.Authorization = new AuthenticationHeaderValue("Bearer", userToken);
        using var completed = await _http.SendAsync(complete);
        Assert.True(completed.StatusCode == HttpStatusCode.OK, await completed.Content.ReadAsStringAsync());
    }

    /// <summary>The user disconnects (self-service), as the README's DELETE line does.</summary>
    public async Task DisconnectAsync(string connectionId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri(BaseAddress, $"api/users/{User}/connections/{connectionId}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(User, user: true));
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    /// <summary>Ports nothing listens on (bound once, then released).</summary>
    public static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(listener => listener.Start());
        var ports = listeners.Select(listener => ((IPEndPoint)listener.LocalEndpoint).Port).ToArray();
        listeners.ForEach(listener => listener.Stop());
        return ports;
    }

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _http.Dispose();
        try
        {
            // run.sh and everything it started: Azurite, the Authress endpoint, the sandbox provider, the app.
            _process?.Kill(entireProcessTree: true);
            _process?.WaitForExit(TimeSpan.FromSeconds(30));
        }
        catch (InvalidOperationException)
        {
            // It had already stopped.
        }

        _process?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class StackGroup : ICollectionFixture<LocalService>
{
    public const string Name = "run.sh";
}
