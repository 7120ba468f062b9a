/** @iclkr/experiments/node — the Node-only half: experiments' file writing. */
export {};
