using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Credentials.AuthressLocal;
using Credentials.Tests.Support;

namespace Credentials.Tests.AccessControl;

/// <summary>
/// Authress's own Node SDK (<c>@authress/sdk</c>) against the local Authress endpoint: a client this project did not
/// write checks that the endpoint answers in Authress's shapes, that the tokens it mints verify the way Authress's do,
/// and that the service accepts the tokens the SDK mints for a service client.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class AuthressSdkTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string SdkClient = "sc_sdk_reader";
    private const string User = "u1";
    private const string Users = "/user-credentials/refresh-tokens/users";
    private ConnectStack _stack = null!;

    public async Task InitializeAsync() => _stack = await ConnectStack.StartAsync(azurite);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task The_sdk_reads_roles_records_and_permissions_in_authress_shapes_and_verifies_the_local_tokens()
    {
        var userToken = _stack.UserToken("person-1");
        var serviceToken = _stack.CallerToken();
        var deletedClientToken = _stack.Authress.MintCallerToken("sc_deleted", CallerTokenKind.ServiceClient);
        Assert.True(_stack.Authress.RemoveServiceClient("sc_deleted"));

        var sdk = await RunSdkAsync(_stack.Authress.CreateAccessKey(SdkClient), [userToken, serviceToken, deletedClientToken]);

        Assert.Equal(201, sdk.GetProperty("createRole").GetProperty("value").GetProperty("status").GetInt32());
        var created = sdk.GetProperty("createRecord").GetProperty("value");
        Assert.Equal(201, created.GetProperty("status").GetInt32());
        var record = sdk.GetProperty("getRecord").GetProperty("value");
        Assert.Equal("ACTIVE", record.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal(_stack.Authress.AccountId, record.GetProperty("data").GetProperty("account").GetProperty("accountId").GetString());
        Assert.EndsWith("/v1/records/rec_sdk", record.GetProperty("data").GetProperty("links").GetProperty("self").GetProperty("href").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(record.GetProperty("lastModified").GetString()));

        // authorizeUser resolves on 200 and throws the SDK's UnauthorizedError on 404.
        Assert.Equal(200, sdk.GetProperty("allowed").GetProperty("value").GetInt32());
        Assert.Equal("UnauthorizedError", sdk.GetProperty("denied").GetProperty("name").GetString());
        var permissions = sdk.GetProperty("permissions").GetProperty("value");
        Assert.Equal(SdkClient, permissions.GetProperty("userId").GetString());
        var permission = Assert.Single(permissions.GetProperty("permissions").EnumerateArray());
        Assert.Equal("credentials:read", permission.GetProperty("action").GetString());
        Assert.True(permission.GetProperty("allow").GetBoolean());

        var verified = sdk.GetProperty("verified").EnumerateArray().ToList();
        Assert.Equal("person-1", verified[0].GetProperty("value").GetProperty("sub").GetString());
        Assert.Equal(ConnectStack.Caller, verified[1].GetProperty("value").GetProperty("sub").GetString());
        Assert.False(verified[2].GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task A_token_the_sdk_mints_for_a_service_client_reads_an_access_token_through_the_service()
    {
        using (var connected = await _stack.ConnectAsync(User, "mail"))
        {
            Assert.Equal(HttpStatusCode.Redirect, connected.StatusCode);
        }

        var sdk = await RunSdkAsync(_stack.Authress.CreateAccessKey(SdkClient), []);
        Assert.Equal(201, sdk.GetProperty("createRecord").GetProperty("value").GetProperty("status").GetInt32());

        using var read = await _stack.ReadAccessTokenAsync(User, "mail", bearer: sdk.GetProperty("serviceClientToken").GetString());
        using var otherUser = await _stack.ReadAccessTokenAsync("u2", "mail", bearer: sdk.GetProperty("serviceClientToken").GetString());

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.False(string.IsNullOrEmpty((await JsonDocument.ParseAsync(await read.Content.ReadAsStreamAsync())).RootElement.GetProperty("accessToken").GetString()));
        await ProblemAssert.IsAsync(otherUser, HttpStatusCode.Forbidden, "forbidden");
    }

    private async Task<JsonElement> RunSdkAsync(string accessKey, string[] tokensToVerify)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(RepositoryPaths.Root, "tests", "Credentials.IntegrationTests", "Support", "authress-sdk-client.cjs"));
        using var node = Process.Start(start)!;
        await node.StandardInput.WriteAsync(JsonSerializer.Serialize(new
        {
            authressUrl = _stack.Authress.BaseAddress.GetLeftPart(UriPartial.Authority),
            accessKey,
            clientId = SdkClient,
            roleId = "sdk-reader",
            recordId = "rec_sdk",
            permission = "credentials:read",
            grantedResource = $"{Users}/{User}",
            allowedResource = $"{Users}/{User}/connections/mail",
            deniedResource = $"{Users}/u2/connections/mail",
            tokensToVerify,
        }));
        node.StandardInput.Close();
        var output = node.StandardOutput.ReadToEndAsync();
        var error = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(node.ExitCode == 0, "the SDK script failed: " + await error);
        return JsonDocument.Parse(await output).RootElement.Clone();
    }
}
