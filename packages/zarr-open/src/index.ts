export {
  type OpenedZarrStore,
  type OpenZarrOptions,
  openZarr,
  openZarrWithLayout,
  type ZarrLayout,
  ZarrLayoutError,
} from './open-zarr.js'
