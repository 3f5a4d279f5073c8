using System.Reflection;
using Credentials.Functions.AccessControl;
using Credentials.Functions.Api;
using Credentials.Functions.Hosting;
using Microsoft.AspNetCore.Http;

namespace Credentials.Tests.Api;

/// <summary>Authorization is declared on each function and run by the pipeline; these keep a function from escaping it.</summary>
public sealed class AdmissionCoverageTests
{
    private static readonly FunctionCatalog Catalog = FunctionCatalog.ForAssembly(typeof(HealthFunction).Assembly);

    [Fact]
    public void Every_function_on_a_users_credentials_declares_the_permission_it_needs()
    {
        var undeclared = Catalog.HttpFunctions
            .Where(f => f.Route.Contains("{userId}", StringComparison.Ordinal) && f.Method.GetCustomAttribute<RequiresPermissionAttribute>() is null)
            .Select(f => f.Name).ToList();

        Assert.Empty(undeclared);
    }

    [Fact]
    public void Only_health_the_OAuth_callback_the_fallback_and_the_token_endpoint_skip_the_admission_step()
    {
        // The token endpoint admits its caller itself, through the same gate: its credentials may be in the form body.
        var unmarked = Catalog.HttpFunctions.Where(f => f.Method.GetCustomAttribute<RequiresPermissionAttribute>() is null).Select(f => f.Name).Order();

        Assert.Equal(["Fallback", "Health", "OAuthCallback", "TokenExchange"], unmarked);
    }

    [Theory]
    [InlineData("GetAccessToken", CredentialPermissions.Read)]
    [InlineData("ListConnections", CredentialPermissions.List)]
    [InlineData("GetConnection", CredentialPermissions.List)]
    [InlineData("StartConnection", CredentialPermissions.Create)]
    [InlineData("CompleteConnection", CredentialPermissions.CompleteOwn)]
    [InlineData("DeleteConnection", CredentialPermissions.Delete)]
    [InlineData("ImportConnection", CredentialPermissions.Import)]
    [InlineData("PurgeConnections", CredentialPermissions.Delete)]
    public void Each_function_requires_its_documented_permission(string function, string permission)
    {
        var method = Catalog.HttpFunctions.Single(f => f.Name == function).Method;

        Assert.Equal(permission, method.GetCustomAttribute<RequiresPermissionAttribute>()!.Permission);
    }

    [Fact]
    public void A_function_run_without_admission_fails_closed()
    {
        var request = new DefaultHttpContext().Request;

        Assert.Throws<InvalidOperationException>(() => AdmittedCaller.Of(request));
    }
}
