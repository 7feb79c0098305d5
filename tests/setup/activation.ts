import type { TestHub } from './test-app';

export const ACTIVATION_FIELDS = `id state customersTotal customersDone customersChanged error
  ruleSetVersion { id version status }`;

/** Activates a draft over HTTP, as an admin, and returns the job once it has finished. */
export async function activateAndWait(hub: TestHub, versionId: string) {
  const started = await hub.gql(
    `mutation ($id: ID!) { activateRuleSetVersion(id: $id) { ${ACTIVATION_FIELDS} } }`,
    { id: versionId },
  );
  if (started.errors) return { errors: started.errors, job: undefined };
  await hub.app.services.activations.idle();
  const done = await hub.gql(
    `query ($id: ID!) { ruleSetActivation(id: $id) { ${ACTIVATION_FIELDS} } }`,
    {
      id: started.data!.activateRuleSetVersion.id,
    },
  );
  return { errors: undefined, job: done.data!.ruleSetActivation };
}
