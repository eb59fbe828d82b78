export * from './record';
export * as packet from './packet';
export * as analysis from './analysis';
export * as probe from './probe';
export * as io from './io';
export * as chart from './chart';
export * as frame from './frame';
export * as display from './display';
export { show, liveDisplay, mimeBundle, kernelStatus, type Showable, type LiveDisplay } from './display';
