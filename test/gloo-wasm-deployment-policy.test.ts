// WasmDeploymentPolicy fields that render but not exactly as Gloo means them: each must be said
// on stderr (a warning), never dropped in silence. Errors are in test/cases/gloo-wasm-deployment-policy-*.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from './_cli.ts';

const policy = (spec: string) => `apiVersion: extensions.policy.gloo.solo.io/v2
kind: WasmDeploymentPolicy
metadata: {name: p, namespace: bookinfo}
spec:
${spec}`;

const filter = (extra = '') => `  config:
    filters:
    - wasmImageSource: {wasmImageTag: reg.example/wasm/rooted:1.0}${extra}`;

const cases: [name: string, yaml: string, warnings: string[]][] = [
  ['no applyToWorkloads renders in the policy\'s own namespace, never mesh-wide', policy(filter()), [
    '<stdin>:4:1: warning: no applyToWorkloads: meshext knows no Gloo workspaces, so "all namespaces of the workspace" renders only in the policy\'s own namespace "bookinfo"; list applyToWorkloads with selector.namespace to reach others (field spec)',
  ]],
  ['a selector without namespace renders in the policy\'s own namespace', policy(`  applyToWorkloads:\n  - selector: {labels: {app: reviews}}\n${filter()}`), [
    '<stdin>:6:5: warning: no selector.namespace: meshext knows no Gloo workspaces, so "all namespaces of the workspace" renders only in the policy\'s own namespace "bookinfo"; name the namespace in selector.namespace to reach another (field spec.applyToWorkloads[0].selector)',
  ]],
  ['kind VM, a workspace beside a namespace, the control-plane namespace', policy(`  applyToWorkloads:\n  - kind: VM\n    selector: {workspace: ws, namespace: istio-system}\n${filter()}`), [
    '<stdin>:6:5: warning: Istio selects proxies by labels alone: this selector also matches Kubernetes pods with these labels, not only virtual machines (field spec.applyToWorkloads[0].kind)',
    '<stdin>:6:5: warning: namespace "istio-system" is the control-plane namespace: a resource there applies to the selected workloads of every namespace, not only to those in "istio-system" (field spec.applyToWorkloads[0])',
    '<stdin>:7:16: warning: workspace "ws" is not checked (meshext knows no Gloo workspaces): namespace "istio-system" is taken as given (field spec.applyToWorkloads[0].selector.workspace)',
  ]],
  ['a port with outbound filters', policy(`  applyToWorkloads:\n  - selector: {namespace: bookinfo}\n    port: {number: 9080}\n${filter()}\n    - wasmImageSource: {wasmImageTag: reg.example/wasm/rooted:1.0}\n      filterContext: SIDECAR_OUTBOUND`), [
    '<stdin>:7:5: warning: filterContext ANY takes in outbound traffic, which Istio matches by destination port: the filter runs on requests this workload sends to port 9080 of any service, besides traffic on its own port 9080 (field spec.applyToWorkloads[0].port)',
    '<stdin>:7:5: warning: filterContext SIDECAR_OUTBOUND takes in outbound traffic, which Istio matches by destination port: the filter runs on requests this workload sends to port 9080 of any service, not traffic on its own port 9080 (field spec.applyToWorkloads[0].port)',
  ]],
  ['a cluster with no Mesh cluster to compare', policy(`  applyToWorkloads:\n  - selector: {namespace: bookinfo, cluster: cluster1}\n${filter('\n      vmId: shared')}`), [
    '<stdin>:6:5: warning: cluster "cluster1" not checked: the Mesh sets no spec.cluster for this render (field spec.applyToWorkloads[0])',
    '<stdin>:10:7: warning: vmId has no WasmPlugin equivalent and is not emitted (field spec.config.filters[0].vmId)',
  ]],
  ['a port with inbound and gateway filters only: nothing to say', policy(`  applyToWorkloads:\n  - selector: {namespace: bookinfo}\n    port: {number: 9080}\n  config:\n    filters:\n    - wasmImageSource: {wasmImageTag: reg.example/wasm/rooted:1.0}\n      filterContext: SIDECAR_INBOUND\n    - wasmImageSource: {wasmImageTag: reg.example/wasm/rooted:1.0}\n      filterContext: GATEWAY`), []],
];

for (const [name, yaml, warnings] of cases) {
  test(name, async () => {
    const r = await runCli(['validate', '-'], { stdin: yaml });
    assert.is(r.code, 0, r.stderr);
    assert.equal(r.stderr.split('\n').filter((l) => l.includes(': warning: ')), warnings);
  });
}

test('a policy without a namespace of its own and a selector without one is refused: it would otherwise reach every namespace', async () => {
  const unplaced = (spec: string) => policy(spec).replace('metadata: {name: p, namespace: bookinfo}', 'metadata: {name: p}');
  for (const [yaml, where] of [[unplaced(filter()), '<stdin>:4:1: error: no applyToWorkloads'], [unplaced(`  applyToWorkloads:\n  - selector: {labels: {app: reviews}}\n${filter()}`), '<stdin>:6:5: error: no selector.namespace']] as const) {
    const r = await runCli(['render', '-'], { stdin: yaml });
    assert.is(r.code, 1, r.stderr);
    assert.is(r.stdout, '');
    assert.ok(r.stderr.includes(`${where}: Gloo applies it to every namespace of the policy's workspace, which meshext cannot know`), r.stderr);
  }
});

test.run();
