using Microsoft.EntityFrameworkCore;

namespace Credentials.SandboxProvider;

/// <summary>OpenIddict's applications, authorizations and tokens, in memory: one database per server instance.</summary>
internal sealed class SandboxDbContext(DbContextOptions<SandboxDbContext> options) : DbContext(options);
