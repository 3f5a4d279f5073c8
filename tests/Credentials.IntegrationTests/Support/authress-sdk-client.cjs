// Drives Authress's own Node SDK (@authress/sdk, pinned in package.json) against the local Authress endpoint, so its
// shapes are checked by a client this project did not write. Reads one JSON object on stdin, writes what the SDK saw
// as one JSON object on stdout. Tokens are test tokens of a throw-away local endpoint.
const { readFileSync } = require('fs');
const { AuthressClient, ServiceClientTokenProvider } = require('@authress/sdk');

async function outcome(action) {
  try {
    return { ok: true, value: await action() };
  } catch (error) {
    return { ok: false, name: (error && error.name) || null, status: (error && error.status) || null, message: String((error && error.message) || '') };
  }
}

async function main() {
  const input = JSON.parse(readFileSync(0, 'utf8'));
  const client = new AuthressClient({ authressApiUrl: input.authressUrl }, input.accessKey);
  const result = {};

  result.serviceClientToken = await new ServiceClientTokenProvider(input.accessKey, input.authressUrl).getToken();

  // Authorization as code through the SDK: a role and a record that grants it to the SDK's own client.
  result.createRole = await outcome(async () => {
    const response = await client.roles.createRole({ roleId: input.roleId, name: 'SDK reader', permissions: [{ action: input.permission, allow: true, grant: false, delegate: false }] });
    return { status: response.status, data: response.data };
  });
  result.createRecord = await outcome(async () => {
    const response = await client.accessRecords.createRecord({
      recordId: input.recordId, name: 'SDK reader of one user', users: [{ userId: input.clientId }],
      statements: [{ roles: [input.roleId], resources: [{ resourceUri: input.grantedResource }] }]
    });
    return { status: response.status, data: response.data };
  });
  result.getRecord = await outcome(async () => {
    const response = await client.accessRecords.getRecord(input.recordId);
    return { status: response.status, lastModified: response.headers['last-modified'] || null, data: response.data };
  });

  result.allowed = await outcome(async () => (await client.userPermissions.authorizeUser(input.clientId, input.allowedResource, input.permission)).status);
  result.denied = await outcome(async () => (await client.userPermissions.authorizeUser(input.clientId, input.deniedResource, input.permission)).status);
  result.permissions = await outcome(async () => (await client.userPermissions.getUserPermissionsForResource(input.clientId, input.allowedResource)).data);

  result.verified = [];
  for (const token of input.tokensToVerify) {
    result.verified.push(await outcome(() => client.verifyToken(token)));
  }

  process.stdout.write(JSON.stringify(result));
}

main().catch(error => {
  process.stderr.write(String((error && error.stack) || error));
  process.exit(1);
});
