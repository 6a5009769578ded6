/**
 * Storybook parameters every live scenario story shares: on docs pages a scenario
 * renders in its own frame, at a height that fits its devices and dialogs.
 */
export function scenarioParameters(docsHeight: string) {
  return { docs: { story: { inline: false, height: docsHeight } } } as const;
}
